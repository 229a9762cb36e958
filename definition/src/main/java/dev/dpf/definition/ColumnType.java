package dev.dpf.definition;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A column's target type, as written in the definition: {@code string}, {@code int}, {@code long},
 * {@code double}, {@code boolean}, {@code date}, {@code timestamp} or {@code decimal(p,s)}.
 *
 * @param base the type's family
 * @param precision decimal precision, 0 for other types
 * @param scale decimal scale, 0 for other types
 */
public record ColumnType(Base base, int precision, int scale) {
  /** Type families. */
  public enum Base {
    STRING,
    INT,
    LONG,
    DOUBLE,
    BOOLEAN,
    DATE,
    TIMESTAMP,
    DECIMAL
  }

  static final String ALLOWED =
      "string, int, long, double, boolean, date, timestamp, decimal(precision,scale)";
  private static final Pattern DECIMAL =
      Pattern.compile("decimal\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\)");

  public ColumnType {
    if (base == Base.DECIMAL) {
      if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        throw new IllegalArgumentException(
            "decimal precision must be 1..38 and scale 0..precision, got "
                + precision
                + ","
                + scale);
      }
    } else if (precision != 0 || scale != 0) {
      throw new IllegalArgumentException("only decimal has a precision and scale");
    }
  }

  /** Parses a type name; empty when it is not one of {@link #ALLOWED}. */
  static Optional<ColumnType> parse(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    Matcher m = DECIMAL.matcher(t);
    if (m.matches()) {
      int p = Integer.parseInt(m.group(1));
      int s = Integer.parseInt(m.group(2));
      if (p < 1 || p > 38 || s > p) {
        return Optional.empty();
      }
      return Optional.of(new ColumnType(Base.DECIMAL, p, s));
    }
    for (Base b : Base.values()) {
      if (b != Base.DECIMAL && b.name().equalsIgnoreCase(t)) {
        return Optional.of(new ColumnType(b, 0, 0));
      }
    }
    return Optional.empty();
  }

  /** The Spark SQL type name, for example {@code decimal(12,2)}. */
  public String sql() {
    return base == Base.DECIMAL
        ? "decimal(" + precision + "," + scale + ")"
        : base.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public String toString() {
    return sql();
  }
}
