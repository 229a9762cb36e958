package dev.dpf.jobs.cli;

import dev.dpf.definition.PipelineDefinition;
import dev.dpf.jobs.run.DefinitionSource;
import dev.dpf.jobs.run.JobOptions;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * What the commands share: the checkout's home, loading the definition and the session, waiting.
 */
final class Startup {
  /** The checkout's root, set by bin/dpf, for the default definition and sample data. */
  static final String HOME_PROPERTY = "dpf.home";

  private Startup() {}

  static Optional<Path> home() {
    String h = System.getProperty(HOME_PROPERTY);
    return h == null || h.isBlank() ? Optional.empty() : Optional.of(Path.of(h));
  }

  /** A command's definition and session. */
  record Started(PipelineDefinition definition, SparkSession spark) {}

  /**
   * Loads the definition and starts the session in the order its location needs: a local file is
   * read before Spark starts, so mistakes fail fast; a Hadoop path (s3a://...) once the session is
   * up, with its settings.
   */
  static Started start(
      JobOptions options,
      java.util.function.Function<JobOptions, PipelineDefinition> load,
      java.util.function.Supplier<SparkSession> session) {
    if (DefinitionSource.isHadoopPath(options.definition())) {
      SparkSession spark = session.get();
      return new Started(load.apply(options), spark);
    }
    PipelineDefinition definition = load.apply(options);
    return new Started(definition, session.get());
  }

  /**
   * Waits until the process is stopped (Ctrl-C, or a TERM signal from a service manager), then runs
   * {@code onStop} and returns, so that the command ends as a stopped server should: exit code 0.
   */
  static void untilStopped(Runnable onStop) throws InterruptedException {
    java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    for (String signal : java.util.List.of("INT", "TERM")) {
      sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stopped.countDown());
    }
    stopped.await();
    onStop.run();
  }
}
