package dev.dpf.definition;

import java.util.Locale;
import java.util.Optional;

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

  /** The zone whose database is {@code db} ({@link #dbName}), if one is. */
  public static Optional<Zone> ofDbName(String db) {
    for (Zone z : values()) {
      if (z.dbName().equals(db)) {
        return Optional.of(z);
      }
    }
    return Optional.empty();
  }
}
