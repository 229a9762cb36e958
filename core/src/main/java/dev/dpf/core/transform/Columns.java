package dev.dpf.core.transform;

/** Column names the pipeline adds, in one place. */
public final class Columns {
  /** Raw file the record came from, relative to the raw root. */
  public static final String SOURCE_FILE = "_source_file";

  /** When the record was ingested (the run's start, UTC). */
  public static final String INGESTED_AT = "_ingested_at";

  /** The run that ingested the record. */
  public static final String RUN_ID = "_run_id";

  /** Spark's column for records its reader could not parse. */
  public static final String CORRUPT_RECORD = "_corrupt_record";

  /** Row-level conformance errors (transient, never written). */
  static final String ERRORS = "_errors";

  private Columns() {}
}
