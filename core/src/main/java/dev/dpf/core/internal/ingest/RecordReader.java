package dev.dpf.core.internal.ingest;

/** Reads a file's records a few at a time into a {@link RecordSink}. */
interface RecordReader {
  /** Reads the next raw record (adding one or more parsed records); false at the end. */
  boolean advance();
}
