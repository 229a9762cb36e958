package dev.dpf.core.definition;

import java.util.Locale;

/** The lake's zones; each is a folder under the lake root and a database in the catalog. */
public enum Zone {
  CONSOLIDATED,
  TRANSFORMED,
  CURATED,
  QUARANTINE,
  /** The pipeline's own records: run log, ingested-file log. */
  SYSTEM;

  /** The folder and catalog database name. */
  public String dbName() {
    return this == SYSTEM ? "_system" : name().toLowerCase(Locale.ROOT);
  }
}
