package dev.dpf.definition;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a source lands in the raw zone. */
public enum SourceKind {
  /** Kinesis Data Firehose objects of JSON records under {@code YYYY/MM/DD/HH/}. */
  FIREHOSE_JSON("firehose-json", SourceDef.Format.JSON),
  /**
   * AWS DMS S3 target output for one table: full-load {@code LOAD*} and CDC {@code
   * yyyyMMdd-HHmmssSSS*} files, CSV or Parquet.
   */
  DMS("dms", SourceDef.Format.CSV),
  /** Partner flat files: CSV, by default with a header row. */
  CSV_FILES("csv-files", SourceDef.Format.CSV);

  private final String label;
  private final SourceDef.Format defaultFormat;

  SourceKind(String label, SourceDef.Format defaultFormat) {
    this.label = label;
    this.defaultFormat = defaultFormat;
  }

  public String label() {
    return label;
  }

  /** The format a source of this kind has unless the definition says otherwise. */
  public SourceDef.Format defaultFormat() {
    return defaultFormat;
  }

  static Optional<SourceKind> fromLabel(String label) {
    return Arrays.stream(values()).filter(k -> k.label.equals(label)).findFirst();
  }

  static String labels() {
    return Arrays.stream(values()).map(SourceKind::label).collect(Collectors.joining(", "));
  }
}
