package dev.dpf.definition;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One raw source. It lands under {@code <raw root>/<path>} and is ingested into the consolidated
 * table of the same name. Serializable: ingest tasks carry it to the executors.
 *
 * @param name source name, also the consolidated table name
 * @param kind how the source writes its files
 * @param path location relative to the raw root, with forward slashes and no leading slash
 * @param format how its files are encoded
 * @param csv CSV settings (for csv-format sources)
 * @param dms DMS settings (for dms sources)
 * @param onError what a malformed record does
 * @param dateFormat default parse pattern for date columns read from this source, or null
 * @param timestampFormat default parse pattern for timestamp columns, or null
 */
public record SourceDef(
    String name,
    SourceKind kind,
    String path,
    Format format,
    Csv csv,
    Dms dms,
    OnError onError,
    String dateFormat,
    String timestampFormat)
    implements Serializable {
  public SourceDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(csv, "csv");
    Objects.requireNonNull(dms, "dms");
    Objects.requireNonNull(onError, "onError");
  }

  /** The table this source is ingested into, {@code consolidated.<name>}. */
  public TableName tableName() {
    return new TableName(Zone.CONSOLIDATED, name);
  }

  /** {@link #tableName} as text. */
  public String table() {
    return tableName().toString();
  }

  /** A source with the defaults of its kind. */
  public SourceDef(String name, SourceKind kind, String path) {
    this(
        name,
        kind,
        path,
        kind.defaultFormat(),
        Csv.DEFAULT,
        Dms.DEFAULT,
        OnError.QUARANTINE,
        null,
        null);
  }

  /** How a source's files are encoded. */
  public enum Format {
    /** JSON records, concatenated or one per line. */
    JSON,
    /** Delimited text. */
    CSV,
    /** Apache Parquet (DMS {@code DataFormat=parquet}). */
    PARQUET
  }

  /** What a malformed raw record does to the run. */
  public enum OnError {
    /** Sent to the quarantine zone with its reason; the run goes on. */
    QUARANTINE,
    /** Fails the run, naming the first bad record; nothing of the batch is committed. */
    FAIL
  }

  /**
   * CSV settings.
   *
   * @param header whether each file starts with a header row (DMS {@code AddColumnName})
   * @param columns the column order of files without a header (empty: the dataset's columns)
   * @param delimiter field delimiter
   * @param quote quote character
   * @param escape escape character inside quoted fields (the quote itself: doubled quotes)
   * @param encoding the files' character set
   * @param nullValue the text that stands for NULL (DMS {@code CsvNullValue}), or null: then an
   *     unquoted empty field is NULL and a quoted one ({@code ""}) is an empty string
   */
  public record Csv(
      boolean header,
      List<String> columns,
      char delimiter,
      char quote,
      char escape,
      String encoding,
      String nullValue)
      implements Serializable {
    public static final Csv DEFAULT = new Csv(true, List.of(), ',', '"', '"', "UTF-8", null);

    public Csv {
      columns = List.copyOf(columns);
      Objects.requireNonNull(encoding, "encoding");
    }
  }

  /**
   * DMS S3-target settings.
   *
   * @param includeOpForFullLoad full-load rows start with the Op column ({@code
   *     IncludeOpForFullLoad})
   * @param timestampColumn the commit-timestamp column's name ({@code TimestampColumnName}), or
   *     null
   */
  public record Dms(boolean includeOpForFullLoad, String timestampColumn) implements Serializable {
    public static final Dms DEFAULT = new Dms(false, null);
  }
}
