package dev.dpf.core.internal.stage;

import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many partitions a stage's shuffles start with. A local session keeps few (cheap for small
 * tables), but a shuffle of millions of rows in four partitions sorts and caches each partition in
 * pieces too large for a small heap. A stage reading more than {@link #BYTES_PER_PARTITION} per
 * configured partition starts its shuffles with one partition per that many input bytes (at most
 * {@link #MAX}); adaptive execution then merges the small ones, as it does for any shuffle. The
 * session's settings are restored when the stage ends, and a session that already starts with more
 * partitions (a cluster's default of 200) keeps them.
 */
public final class ShufflePartitions implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShufflePartitions.class);

  static final String INITIAL = "spark.sql.adaptive.coalescePartitions.initialPartitionNum";
  static final String SHUFFLE = "spark.sql.shuffle.partitions";

  /** Input bytes (as stored: compressed files) per initial shuffle partition. */
  static final long BYTES_PER_PARTITION = 16L << 20;

  static final int MAX = 1000;

  private final SessionSetting initial;

  private ShufflePartitions(RuntimeConfig conf) {
    this.initial = SessionSetting.save(conf, INITIAL);
  }

  /** For a stage reading about {@code inputBytes} (Long.MAX_VALUE when not known). */
  public static ShufflePartitions forInput(SparkSession spark, String stage, long inputBytes) {
    ShufflePartitions before = new ShufflePartitions(spark.conf());
    int now = Integer.parseInt(spark.conf().get(INITIAL, spark.conf().get(SHUFFLE)).strip());
    int wanted = partitions(inputBytes, now);
    if (wanted > now) {
      spark.conf().set(INITIAL, String.valueOf(wanted));
      LOG.info("{}: input {} bytes: shuffles start with {} partitions", stage, inputBytes, wanted);
    }
    return before;
  }

  /** The initial partitions for {@code inputBytes}: never fewer than {@code configured}. */
  static int partitions(long inputBytes, int configured) {
    if (inputBytes == Long.MAX_VALUE) {
      return configured;
    }
    long byInput = (inputBytes + BYTES_PER_PARTITION - 1) / BYTES_PER_PARTITION;
    return (int) Math.max(configured, Math.min(MAX, byInput));
  }

  /** Restores the session's setting as it was before the stage. */
  @Override
  public void close() {
    initial.restore();
  }
}
