package dev.dpf.definition;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the definition says of a table for people: shown by {@code dpf describe} and the catalog,
 * and selectable by tag ({@code --select tag:NAME}). It does not change what a run does.
 *
 * @param description what the table holds, empty when not said
 * @param owner who answers for it (a team, a mailbox), empty when not said
 * @param tags snake_case labels
 * @param columns a description per column name, for the columns that have one
 */
public record TableDocs(
    String description, String owner, List<String> tags, Map<String, String> columns) {
  public TableDocs {
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(owner, "owner");
    tags = List.copyOf(tags);
    // In the definition's order, and so the same in every JVM (Map.copyOf's order is not): the
    // definition's text, which fingerprints it, includes it.
    columns = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(columns));
  }

  /** Nothing said. */
  public static final TableDocs NONE = new TableDocs("", "", List.of(), Map.of());
}
