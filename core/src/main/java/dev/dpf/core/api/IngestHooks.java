package dev.dpf.core.api;

import java.io.Serializable;

/**
 * Told how far an ingest got, at named points: {@value #PLANNED} (its batch planned in the ingest
 * log), {@value #READING} (in the task reading a raw file, after each record), {@value #WRITING}
 * (in the task writing the consolidated rows), {@value #WRITTEN} (the rows committed) and {@value
 * #QUARANTINED} (the quarantine committed); and where restores and maintenance are between steps:
 * {@code restore:<table>} (between its RESTORE and its closing commit), {@code maintain:compacted}
 * (every table compacted, nothing removed yet), {@code maintain:vacuumed <table>}. A crash test
 * stops the process at one of them; a run uses {@link #NONE}. Implementations are sent to the
 * executors, so they are serializable.
 */
public interface IngestHooks extends Serializable {
  String PLANNED = "ingest:planned";
  String READING = "ingest:reading";
  String WRITING = "ingest:writing";
  String WRITTEN = "ingest:written";
  String QUARANTINED = "ingest:quarantined";

  /** Hooks that do nothing. */
  IngestHooks NONE = point -> {};

  /** The ingest reached {@code point}. */
  void reached(String point);
}
