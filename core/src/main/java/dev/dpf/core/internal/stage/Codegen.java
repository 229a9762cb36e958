package dev.dpf.core.internal.stage;

import dev.dpf.core.DpfException;
import java.util.Locale;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a stage evaluates expressions. Spark generates and compiles Java code for each new shape of
 * query, and the JVM then compiles that code again: over many rows it pays for itself, over a few
 * thousand it is most of the work (on two cores, a quarter of a cold run over the sample). A stage
 * whose input is smaller than {@link #THRESHOLD_CONF} bytes evaluates expressions interpreted;
 * results are the same either way. The session's settings are restored when the stage ends.
 */
public final class Codegen implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Codegen.class);

  /** Inputs below this many bytes run interpreted; 0 never interprets. */
  static final String THRESHOLD_CONF = "spark.dpf.interpretBelowBytes";

  static final long DEFAULT_THRESHOLD = 128L << 20;

  static final String WHOLE_STAGE = "spark.sql.codegen.wholeStage";
  static final String FACTORY_MODE = "spark.sql.codegen.factoryMode";

  private final SessionSetting wholeStage;
  private final SessionSetting factoryMode;

  private Codegen(RuntimeConfig conf) {
    this.wholeStage = SessionSetting.save(conf, WHOLE_STAGE);
    this.factoryMode = SessionSetting.save(conf, FACTORY_MODE);
  }

  /**
   * Chooses for a stage reading about {@code inputBytes} (Long.MAX_VALUE when not known): below the
   * threshold, expressions are interpreted until {@link #close}.
   */
  public static Codegen forInput(SparkSession spark, String stage, long inputBytes) {
    Codegen before = new Codegen(spark.conf());
    long threshold = threshold(spark);
    if (inputBytes < threshold) {
      spark.conf().set(WHOLE_STAGE, "false");
      spark.conf().set(FACTORY_MODE, "NO_CODEGEN");
    }
    LOG.info(
        "{}: input {} bytes: expressions {} (interpreted below {} bytes)",
        stage,
        inputBytes == Long.MAX_VALUE ? "unknown" : String.valueOf(inputBytes),
        inputBytes < threshold ? "interpreted" : "as the session sets them",
        threshold);
    return before;
  }

  private static long threshold(SparkSession spark) {
    String v = spark.conf().get(THRESHOLD_CONF, String.valueOf(DEFAULT_THRESHOLD));
    try {
      long t = Long.parseLong(v.strip().toLowerCase(Locale.ROOT));
      if (t >= 0) {
        return t;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new DpfException(
        THRESHOLD_CONF + " must be a number of bytes (0 or more), not '" + v + "'");
  }

  /** Restores the session's settings as they were before the stage. */
  @Override
  public void close() {
    wholeStage.restore();
    factoryMode.restore();
  }
}
