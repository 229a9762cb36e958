package dev.dpf.core.internal.stage;

import dev.dpf.core.api.Planned;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.api.Stage;
import dev.dpf.core.internal.system.IngestLog;
import dev.dpf.core.internal.system.IngestState;
import dev.dpf.definition.TableName;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a stage does with one table, decided from metadata before anything is done: {@code plan}
 * tells it ({@link #planned}), the run does it. Each stage decides with one function over the same
 * facts, so the two cannot drift: {@code sources.Ingest.decide}, {@code
 * datasets.RebuildDecision.decide}, {@code models.ModelPlanner.decide}.
 */
public sealed interface Decision {
  /** Its kind, as plan and run name it. */
  Planned.Action action();

  /** Why, as {@code plan} prints it. */
  String why();

  /** Raw files delivered again unchanged, to log without reading them (ingest only). */
  default Redelivered redelivered() {
    return Redelivered.NONE;
  }

  /** As {@code dpf plan} prints it. */
  default Planned planned(Stage stage, TableName table) {
    return new Planned(stage, table, action(), why());
  }

  /**
   * Nothing to do. {@code redelivered}: raw files delivered again unchanged, logged without being
   * read (ingest only).
   */
  record UpToDate(String why, Redelivered redelivered) implements Decision {
    public UpToDate(String why) {
      this(why, Redelivered.NONE);
    }

    @Override
    public Planned.Action action() {
      return Planned.Action.UP_TO_DATE;
    }
  }

  /** Nothing to do: an input it needs does not exist ({@code why}). */
  record Skip(String why) implements Decision {
    @Override
    public Planned.Action action() {
      return Planned.Action.SKIP;
    }
  }

  /** Append the records of raw files the log does not have; {@code redelivered} logged first. */
  record Ingest(List<RawRoot.RawFile> files, Redelivered redelivered) implements Decision {
    @Override
    public Planned.Action action() {
      return Planned.Action.INGEST;
    }

    @Override
    public String why() {
      return String.format(
          "%d new or changed raw file(s), %,d bytes", files.size(), RawRoot.RawFile.bytes(files));
    }
  }

  /** Read every raw file of the source again, replacing its table. */
  record Reingest(List<RawRoot.RawFile> files) implements Decision {
    @Override
    public Planned.Action action() {
      return Planned.Action.REINGEST;
    }

    @Override
    public String why() {
      return String.format(
          "all %d raw file(s), %,d bytes, read again; they replace the table's rows",
          files.size(), RawRoot.RawFile.bytes(files));
    }
  }

  /** Finish the batch an interrupted run left. */
  record Resume(IngestLog.Batch batch) implements Decision {
    @Override
    public Planned.Action action() {
      return Planned.Action.RESUME;
    }

    @Override
    public String why() {
      return "interrupted batch "
          + batch.id()
          + " of run "
          + batch.runId()
          + ", "
          + batch.files().size()
          + " file(s)";
    }
  }

  /**
   * Merge the consolidated rows of ingest batches {@code from..to}; {@code why} says which (the
   * batches the same run ingests first, when a plan cannot know their numbers).
   */
  record Merge(long from, long to, String why) implements Decision {
    @Override
    public Planned.Action action() {
      return Planned.Action.MERGE;
    }
  }

  /** Rebuild the table from all its inputs, for {@code reason}. */
  record Rebuild(String reason) implements Decision {
    @Override
    public Planned.Action action() {
      return Planned.Action.REBUILD;
    }

    @Override
    public String why() {
      return reason;
    }
  }

  /**
   * Recompute the keys or partitions of an incremental model that the rows of {@code fact} changed
   * after version {@code since} up to {@code to} touch (both -1 when the same run writes them).
   */
  record Recompute(String fact, long since, long to, String why) implements Decision {
    @Override
    public Planned.Action action() {
      return Planned.Action.RECOMPUTE;
    }
  }

  /**
   * Recompute the rows of a model without an incremental setting whose {@code column} holds a value
   * that the rows changed in its inputs touch: {@code byInput}, each input's key expression (the
   * column's value in the rows its rows reach); {@code since} and {@code to}, the versions of each
   * changed input (empty when the same run writes them).
   */
  record RecomputeKeys(
      String column,
      Map<String, String> byInput,
      Map<String, Long> since,
      Map<String, Long> to,
      String why)
      implements Decision {
    @Override
    public Planned.Action action() {
      return Planned.Action.RECOMPUTE;
    }
  }

  /**
   * Raw files found new by their listing that hold the content of files ingested before: each with
   * its SHA-256, in listing order. {@code state}: the source's log when they were found; {@code
   * fresh}: the files found new by their listing.
   */
  record Redelivered(
      Map<RawRoot.RawFile, String> files, IngestState state, List<RawRoot.RawFile> fresh) {
    public static final Redelivered NONE = new Redelivered(Map.of(), IngestState.EMPTY, List.of());

    public Redelivered {
      Objects.requireNonNull(files, "files");
    }

    public boolean isEmpty() {
      return files.isEmpty();
    }
  }
}
