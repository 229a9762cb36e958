package dev.dpf.core.internal.stage;

import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.storage.DeltaWriter;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.PipelineDefinition;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * What the stages of one run share, made once by the pipeline's builder and passed to each: the
 * session, the definition, the lake and its one writer (so that the run's writes share their
 * locks), the run's id and start, and its options.
 *
 * @param runId identifies the run in lineage, quarantine and log rows
 * @param startedAt the run's start: stamped as {@code _ingested_at}, and what freshness judges
 */
public record RunContext(
    SparkSession spark,
    PipelineDefinition definition,
    Lake lake,
    DeltaWriter writer,
    String runId,
    Instant startedAt,
    Options options) {
  public RunContext {
    Objects.requireNonNull(spark, "spark");
    Objects.requireNonNull(definition, "definition");
    Objects.requireNonNull(lake, "lake");
    Objects.requireNonNull(writer, "writer");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(options, "options");
  }

  /**
   * How the run treats its tables.
   *
   * @param fullRefresh rebuild datasets and models from all their inputs, whatever the logs say
   * @param allowEmpty let a full refresh replace a table that has rows by none
   * @param reingest sources whose raw files are all read again, replacing their tables
   * @param hooks told how far each ingest got
   */
  public record Options(
      boolean fullRefresh, boolean allowEmpty, Set<String> reingest, IngestHooks hooks) {
    public Options {
      reingest = Set.copyOf(reingest);
      Objects.requireNonNull(hooks, "hooks");
    }
  }

  /** This context on another session (one that compiles against declared schemas). */
  public RunContext on(SparkSession session) {
    return new RunContext(session, definition, lake, writer, runId, startedAt, options);
  }
}
