package dev.dpf.core.definition;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a source lands in the raw zone. */
public enum SourceKind {
  /** Kinesis Data Firehose objects of JSON records under {@code YYYY/MM/DD/HH/}. */
  FIREHOSE_JSON("firehose-json"),
  /** AWS DMS S3 target output for one table: {@code LOAD*.csv} full-load files. */
  DMS("dms"),
  /** Partner flat files: CSV with a header row. */
  CSV_FILES("csv-files");

  private final String label;

  SourceKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  static Optional<SourceKind> fromLabel(String label) {
    return Arrays.stream(values()).filter(k -> k.label.equals(label)).findFirst();
  }

  static String labels() {
    return Arrays.stream(values()).map(SourceKind::label).collect(Collectors.joining(", "));
  }
}
