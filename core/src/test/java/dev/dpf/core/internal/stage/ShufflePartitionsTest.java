package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A stage over a large input starts its shuffles with more partitions; small ones keep theirs. */
class ShufflePartitionsTest {
  private static final long MIB = 1L << 20;

  private final SparkSession spark = SparkExtension.session();
  private final SessionSetting initial =
      SessionSetting.save(spark.conf(), ShufflePartitions.INITIAL);

  @AfterEach
  void restore() {
    initial.restore();
  }

  @Test
  void onePartitionPer16MiBOfInputNeverFewerThanConfiguredAndAtMost1000() {
    assertThat(ShufflePartitions.partitions(0, 4)).isEqualTo(4);
    assertThat(ShufflePartitions.partitions(64 * MIB, 4)).isEqualTo(4);
    assertThat(ShufflePartitions.partitions(64 * MIB + 1, 4)).isEqualTo(5);
    assertThat(ShufflePartitions.partitions(624 * MIB, 4)).isEqualTo(39);
    assertThat(ShufflePartitions.partitions(624 * MIB, 200)).isEqualTo(200);
    assertThat(ShufflePartitions.partitions(1L << 40, 4)).isEqualTo(1000);
    assertThat(ShufflePartitions.partitions(Long.MAX_VALUE, 4)).as("size unknown").isEqualTo(4);
  }

  @Test
  void aLargeStageSetsTheInitialPartitionsUntilItEnds() {
    spark.conf().unset(ShufflePartitions.INITIAL);
    int configured = Integer.parseInt(spark.conf().get(ShufflePartitions.SHUFFLE));
    long bytes = (configured + 3) * 16 * MIB;

    try (ShufflePartitions p = ShufflePartitions.forInput(spark, "test", bytes)) {
      assertThat(spark.conf().get(ShufflePartitions.INITIAL))
          .isEqualTo(String.valueOf(configured + 3));
      // Adaptive execution merges them again over a few rows: the answer is the same.
      assertThat(spark.sql("select count(distinct id % 7) from range(100)").head().getLong(0))
          .isEqualTo(7);
    }
    assertThat(spark.conf().get(ShufflePartitions.INITIAL, null)).as("unset again").isNull();

    spark.conf().set(ShufflePartitions.INITIAL, "500");
    try (ShufflePartitions p = ShufflePartitions.forInput(spark, "test", bytes)) {
      assertThat(spark.conf().get(ShufflePartitions.INITIAL)).as("already more").isEqualTo("500");
    }
    assertThat(spark.conf().get(ShufflePartitions.INITIAL)).isEqualTo("500");
  }
}
