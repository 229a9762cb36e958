package dev.dpf.core.api;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * A table column that a curated model's output column is computed from ({@link
 * Pipeline#columnLineage}).
 *
 * @param table {@code zone.table}, never null
 * @param column lower case, never null
 * @param via the hiding functions between them ({@code protect_name}, {@code count}, {@code null
 *     test}), in name order; empty when the value shows as it is or is only transformed. Never
 *     null; the record keeps an unmodifiable sorted copy.
 */
public record ColumnOrigin(String table, String column, Set<String> via)
    implements Comparable<ColumnOrigin> {
  public ColumnOrigin {
    via = Collections.unmodifiableSet(new TreeSet<>(via));
  }

  /** The same column reached through one more hiding {@code function}. */
  public ColumnOrigin via(String function) {
    Set<String> more = new TreeSet<>(via);
    more.add(function);
    return new ColumnOrigin(table, column, more);
  }

  /** For example {@code transformed.customers.customer_name via protect_name}. */
  @Override
  public String toString() {
    return table + "." + column + (via.isEmpty() ? "" : " via " + String.join(", ", via));
  }

  @Override
  public int compareTo(ColumnOrigin o) {
    return toString().compareTo(o.toString());
  }
}
