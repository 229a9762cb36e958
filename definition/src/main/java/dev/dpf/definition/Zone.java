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

  /** The zone of a {@code zone.table} name, if its database is one. */
  public static Optional<Zone> of(String qualifiedTable) {
    int dot = qualifiedTable.indexOf('.');
    String db = dot < 0 ? "" : qualifiedTable.substring(0, dot);
    for (Zone z : values()) {
      if (z.dbName().equals(db)) {
        return Optional.of(z);
      }
    }
    return Optional.empty();
  }
}
