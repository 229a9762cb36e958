package dev.dpf.core.internal.ingest;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import org.apache.spark.sql.Row;

/** Collects one file's parsed records, numbering them 1, 2, ... in file order. */
final class RecordSink {
  private final String file;
  private final ArrayDeque<Row> pending = new ArrayDeque<>();
  private long rowNumber;

  RecordSink(String file) {
    this.file = file;
  }

  void good(
      ParsedRecord.Position at, LinkedHashMap<String, String> fields, String op, String commitTs) {
    pending.addLast(ParsedRecord.good(file, ++rowNumber, at, fields, op, commitTs));
  }

  void bad(ParsedRecord.Position at, String reason, String raw) {
    pending.addLast(ParsedRecord.bad(file, ++rowNumber, at, reason, raw));
  }

  boolean isEmpty() {
    return pending.isEmpty();
  }

  Row take() {
    return pending.pollFirst();
  }

  /** An exception as a short reason: its type and message. */
  static String describe(Exception e) {
    String type = e.getClass().getSimpleName();
    return e.getMessage() == null ? type : type + ": " + e.getMessage();
  }
}
