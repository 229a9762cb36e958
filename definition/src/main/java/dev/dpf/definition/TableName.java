package dev.dpf.definition;

import java.util.Objects;
import java.util.Optional;

/**
 * A table of the lake, {@code zone.name}: what SQL, the definition and the CLI write as text.
 *
 * @param zone the zone (the database)
 * @param name the table's name in its zone
 */
public record TableName(Zone zone, String name) {
  public TableName {
    Objects.requireNonNull(zone, "zone");
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("not a table name: " + name);
    }
  }

  /**
   * The table {@code text} names, {@code zone.name} with the zone as the lake names its database
   * ({@link Zone#dbName}); empty when it is not one.
   */
  public static Optional<TableName> parse(String text) {
    int dot = text.indexOf('.');
    if (dot < 0 || dot == text.length() - 1 || text.indexOf('.', dot + 1) >= 0) {
      return Optional.empty();
    }
    return Zone.ofDbName(text.substring(0, dot))
        .map(z -> new TableName(z, text.substring(dot + 1)));
  }

  /**
   * The table {@code text} names ({@link #parse}).
   *
   * @throws IllegalArgumentException when it names none
   */
  public static TableName of(String text) {
    return parse(text)
        .orElseThrow(() -> new IllegalArgumentException("not a zone.table name: " + text));
  }

  /** {@code zone.name}, for example {@code transformed.payments}. */
  @Override
  public String toString() {
    return zone.dbName() + "." + name;
  }
}
