package dev.dpf.jobs.glue;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.Stage;
import dev.dpf.core.storage.LakeLock;
import dev.dpf.core.storage.SparkSetup;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.jobs.run.DefinitionSource;
import dev.dpf.jobs.run.Exit;
import dev.dpf.jobs.run.JobOptions;
import dev.dpf.jobs.run.PiiKeySecret;
import dev.dpf.jobs.run.StageRunner;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.SparkSession;

/**
 * Shared body of the job entry points run by spark-submit or AWS Glue 5.0. Never sets a master: the
 * cluster decides. Arguments are Glue-style {@code --key value} pairs ({@code --raw}, {@code
 * --lake}, {@code --definition}); Glue's own are ignored.
 */
public final class JobMain {
  private JobMain() {}

  static void main(Stage stage, String[] args) {
    PrintWriter out =
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    JobOptions options = orExit(() -> JobOptions.fromJobArgs(args));
    options.piiKeySecret().ifPresent(secret -> keyFromSecret(secret, out));
    // A definition on a Hadoop path (s3://...) is read once the session is up, with its settings;
    // anything else is checked before Spark starts, so mistakes fail fast.
    boolean remoteDefinition = DefinitionSource.isHadoopPath(options.definition());
    PipelineDefinition definition =
        remoteDefinition ? null : orExit(() -> StageRunner.prepare(stage, options));
    SparkSession.Builder builder =
        SparkSetup.delta(SparkSession.builder().appName("dpf-" + stage.label()));
    String scheme = URI.create(options.lake()).getScheme();
    boolean local = scheme == null || scheme.equals("file");
    String holder = "dpf " + stage.label() + " job";
    LakeLock lock = null;
    if (local) {
      lock =
          orExit(
              () ->
                  LakeLock.acquire(
                      options.lake(), new org.apache.hadoop.conf.Configuration(), holder));
    }
    if (glueCatalog(args)) {
      // The Glue Data Catalog, which Athena reads: each table is registered there after a write.
      builder = builder.enableHiveSupport();
    } else {
      builder = SparkSetup.localCatalog(builder); // names resolve from the lake's folders
    }
    SparkSession spark = builder.getOrCreate();
    if (dev.dpf.core.pipeline.Pipeline.onObjectStorage(options.lake())) {
      // Before the lake's lock or any write: a job there must have been given the key.
      orExit(
          () -> {
            StageRunner.requirePiiKey(options.lake(), spark);
            return true;
          });
    }
    try {
      if (!local) {
        lock =
            orExit(
                () ->
                    LakeLock.acquire(
                        options.lake(), spark.sparkContext().hadoopConfiguration(), holder));
      }
      if (remoteDefinition) {
        definition = orExit(() -> StageRunner.prepare(stage, options));
      }
      // A failure propagates: Glue and spark-submit mark the run failed with its message.
      StageRunner.run(stage, options, definition, spark, out);
    } finally {
      if (lock != null) {
        lock.close();
      }
    }
  }

  /** Runs with the PII hashing key that the Secrets Manager secret holds. */
  private static void keyFromSecret(String secret, PrintWriter out) {
    String key = orExit(() -> PiiKeySecret.read(secret));
    java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.put(dev.dpf.core.pipeline.Pipeline.PII_KEY_ENV, key);
    StageRunner.environment(env);
    out.println("dpf: the PII hashing key is the Secrets Manager secret's " + secret);
  }

  /**
   * Whether the job was given Glue's {@code --enable-glue-datacatalog} (Glue's catalog as the
   * metastore), and not as {@code false}.
   */
  static boolean glueCatalog(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--enable-glue-datacatalog")) {
        return i + 1 >= args.length
            || args[i + 1].startsWith("--")
            || !args[i + 1].equalsIgnoreCase("false");
      }
    }
    return false;
  }

  /**
   * The value, or exit with the user-error code and the one-line message of a {@link DpfException}.
   */
  private static <T> T orExit(java.util.function.Supplier<T> step) {
    try {
      return step.get();
    } catch (DpfException e) {
      System.err.println("dpf: " + e.getMessage());
      System.exit(Exit.USER_ERROR); // Spark's shutdown hook stops a running session
      throw e;
    }
  }
}
