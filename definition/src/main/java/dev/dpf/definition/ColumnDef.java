package dev.dpf.definition;

import java.util.Objects;
import java.util.Optional;

/**
 * One column of a transformed dataset.
 *
 * @param name target column name (snake_case)
 * @param from the consolidated (raw) column it is read from
 * @param type target type
 * @param format parse pattern for date and timestamp columns (Spark datetime pattern), empty for
 *     the default ISO-8601
 * @param nullable false when a missing value must send the row to quarantine
 * @param pii the kind of personal data the column holds, if any
 */
public record ColumnDef(
    String name,
    String from,
    ColumnType type,
    Optional<String> format,
    boolean nullable,
    Optional<Pii> pii) {
  public ColumnDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(pii, "pii");
  }

  /** A column without personal data. */
  public ColumnDef(
      String name, String from, ColumnType type, Optional<String> format, boolean nullable) {
    this(name, from, type, format, nullable, Optional.empty());
  }

  /** This column with another parse format. */
  public ColumnDef withFormat(String format) {
    return new ColumnDef(name, from, type, Optional.of(format), nullable, pii);
  }
}
