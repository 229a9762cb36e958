package dev.dpf.jobs.run;

import dev.dpf.core.DpfException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data subject an erase removes: a dataset and its key, column by column, as the command line
 * ({@code customers customer_id=103}) and the erase job's {@code --erase} argument give them.
 *
 * @param dataset the dataset
 * @param key each key column's value, as text, in the order given
 */
public record EraseRequest(String dataset, Map<String, String> key) {
  public EraseRequest {
    key = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(key));
  }

  /**
   * A dataset and {@code KEY=VALUE} arguments.
   *
   * @throws DpfException for an argument without {@code =}, or a key column given twice
   */
  public static EraseRequest of(String dataset, List<String> keyValues) {
    Map<String, String> key = new LinkedHashMap<>();
    for (String kv : keyValues) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new DpfException("'" + kv + "' is not KEY=VALUE (for example customer_id=103)");
      }
      if (key.put(kv.substring(0, eq), kv.substring(eq + 1)) != null) {
        throw new DpfException("The key column " + kv.substring(0, eq) + " is given twice");
      }
    }
    if (key.isEmpty()) {
      throw new DpfException("Name the subject by its key: " + dataset + " KEY=VALUE");
    }
    return new EraseRequest(dataset, key);
  }

  /**
   * {@code DATASET KEY=VALUE [KEY=VALUE...]}, separated by spaces (the erase job's argument).
   *
   * @throws DpfException when it is not of that form
   */
  public static EraseRequest parse(String text) {
    List<String> words =
        Arrays.stream(text.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    if (words.size() < 2) {
      throw new DpfException(
          "--erase takes 'DATASET KEY=VALUE [KEY=VALUE...]', for example 'customers"
              + " customer_id=103'; got '"
              + text
              + "'");
    }
    return of(words.get(0), words.subList(1, words.size()));
  }

  /** As written: {@code customers customer_id=103}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(dataset);
    key.forEach((k, v) -> s.append(' ').append(k).append('=').append(v));
    return s.toString();
  }
}
