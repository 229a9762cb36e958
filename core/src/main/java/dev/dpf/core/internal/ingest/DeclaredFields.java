package dev.dpf.core.internal.ingest;

import dev.dpf.core.internal.transform.Columns;
import java.io.Serializable;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The raw field names the definition's datasets read from a source, and those among them that a
 * record cannot do without (its columns are not nullable). Names are matched as {@link
 * Columns#folded} says: ignoring case, surrounding spaces and characters Delta refuses in names.
 * Ingest tasks carry it to the executors.
 *
 * @param declared every raw name the datasets read, in definition order
 * @param required the declared names of non-nullable columns
 */
public record DeclaredFields(List<String> declared, List<String> required) implements Serializable {
  /** A source no dataset reads: any header is accepted. */
  public static final DeclaredFields NONE = new DeclaredFields(List.of(), List.of());

  public DeclaredFields {
    declared = List.copyOf(declared);
    required = List.copyOf(required);
  }

  /** A name as it is compared: {@link Columns#folded}. */
  public static String folded(String name) {
    return Columns.folded(name);
  }

  /**
   * Why a header row cannot be this source's (it lacks a required field, or has none of the
   * declared ones: a file without its header row), or null when it can.
   */
  String headerProblem(String[] header) {
    if (declared.isEmpty()) {
      return null;
    }
    Set<String> present =
        java.util.Arrays.stream(header)
            .filter(java.util.Objects::nonNull)
            .map(DeclaredFields::folded)
            .collect(Collectors.toSet());
    List<String> missing = required.stream().filter(n -> !present.contains(folded(n))).toList();
    boolean none = declared.stream().noneMatch(n -> present.contains(folded(n)));
    if (missing.isEmpty() && !none) {
      return null;
    }
    return "the header row lacks the declared column(s) "
        + String.join(", ", none ? declared : missing)
        + " (header: "
        + String.join(",", java.util.Arrays.stream(header).map(String::valueOf).toList())
        + "); is the header row missing? Every row of the file is quarantined";
  }
}
