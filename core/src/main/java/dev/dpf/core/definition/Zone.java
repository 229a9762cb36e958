package dev.dpf.core.definition;

import java.util.Locale;

/** The lake's zones; each is a folder under the lake root and a database in the catalog. */
public enum Zone {
  CONSOLIDATED,
  TRANSFORMED,
  CURATED,
  QUARANTINE;

  /** The folder and catalog database name. */
  public String dbName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
