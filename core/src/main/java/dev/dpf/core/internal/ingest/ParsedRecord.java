package dev.dpf.core.internal.ingest;

import dev.dpf.core.internal.transform.Columns;
import java.util.LinkedHashMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One record read from a raw file: its fields as text, or the reason it could not be read. Every
 * raw record becomes exactly one of these, so records read = records written + records quarantined.
 */
public final class ParsedRecord {
  /** Longest raw text kept for a quarantined record; longer text is cut and marked. */
  public static final int MAX_RAW_CHARS = 10_000;

  public static final String FILE = Columns.SOURCE_FILE;
  public static final String ROW_NUMBER = Columns.ROW_NUMBER;
  public static final String LINE = Columns.LINE;
  public static final String BYTE_OFFSET = Columns.BYTE_OFFSET;
  public static final String FIELDS = "fields";
  public static final String OP = Columns.OP;
  public static final String COMMIT_TS = Columns.COMMIT_TS;
  public static final String ERROR = "error";
  public static final String RAW = "raw";

  /** The schema of parsed records. */
  public static final StructType SCHEMA =
      new StructType()
          .add(FILE, DataTypes.StringType, false)
          .add(ROW_NUMBER, DataTypes.LongType, false)
          .add(LINE, DataTypes.LongType, true)
          .add(BYTE_OFFSET, DataTypes.LongType, true)
          .add(
              FIELDS,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true),
              true)
          .add(OP, DataTypes.StringType, true)
          .add(COMMIT_TS, DataTypes.StringType, true)
          .add(ERROR, DataTypes.StringType, true)
          .add(RAW, DataTypes.StringType, true);

  private ParsedRecord() {}

  /** Where a record starts in its file: line (1-based) and byte offset, each null when unknown. */
  public record Position(Long line, Long byteOffset) {}

  static Row good(
      String file,
      long rowNumber,
      Position at,
      LinkedHashMap<String, String> fields,
      String op,
      String commitTs) {
    return RowFactory.create(
        file,
        rowNumber,
        at.line(),
        at.byteOffset(),
        scala.collection.JavaConverters.mapAsScalaMap(fields),
        op,
        commitTs,
        null,
        null);
  }

  static Row bad(String file, long rowNumber, Position at, String error, String raw) {
    return RowFactory.create(
        file, rowNumber, at.line(), at.byteOffset(), null, null, null, error, truncate(raw));
  }

  /** Raw text cut to {@link #MAX_RAW_CHARS}, saying how much was cut. */
  static String truncate(String raw) {
    if (raw == null || raw.length() <= MAX_RAW_CHARS) {
      return raw;
    }
    return raw.substring(0, MAX_RAW_CHARS)
        + "... ("
        + (raw.length() - MAX_RAW_CHARS)
        + " more characters)";
  }
}
