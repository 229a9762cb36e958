package dev.dpf.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Progress lines: a table's start, then while it runs its Spark tasks done of those known. */
class ProgressTest {
  @Test
  void aLongTableSaysHowManyOfItsTasksAreDone() throws Exception {
    SparkSession spark = SparkExtension.session();
    StringWriter text = new StringWriter();
    try (Progress progress =
        new Progress(
            spark.sparkContext(),
            new PrintWriter(text),
            Duration.ofSeconds(3), // the job below is done by then
            Duration.ofSeconds(30))) {
      // An earlier run's job of the same table (same group), not counted.
      spark.sparkContext().setJobGroup("consolidated.t", "test", false);
      try {
        spark.range(0, 50, 1, 5).groupBy().count().first();
      } finally {
        spark.sparkContext().clearJobGroup();
      }
      spark.sparkContext().listenerBus().waitUntilEmpty();
      Thread.sleep(5); // stages of this run's job are submitted after the start
      progress.started("ingest", "consolidated.t");
      spark.sparkContext().setJobGroup("consolidated.t", "test", false);
      try {
        // One job: 3 tasks over the range's partitions, then 1 that adds their counts.
        assertThat(spark.range(0, 30, 1, 3).groupBy().count().first().getLong(0)).isEqualTo(30);
      } finally {
        spark.sparkContext().clearJobGroup();
      }
      // The status tracker hears of tasks through Spark's listener bus: let it catch up.
      spark.sparkContext().listenerBus().waitUntilEmpty();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (text.toString().lines().count() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      progress.finished("consolidated.t");
    }

    assertThat(text.toString().lines().toList())
        .hasSize(2)
        .first()
        .isEqualTo("  ingest    consolidated.t                       started");
    assertThat(text.toString().lines().toList().get(1))
        .matches(
            "  ingest    consolidated\\.t                       running \\d+ s, all 4 task\\(s\\)"
                + " done, on the driver now");
  }

  @Test
  void aTableWithNoTaskYetSaysItIsOnTheDriverAndNoLineFollowsTheEnd() throws Exception {
    StringWriter text = new StringWriter();
    Progress progress =
        new Progress(
            SparkExtension.session().sparkContext(),
            new PrintWriter(text),
            Duration.ofMillis(200),
            Duration.ofMillis(200));
    progress.started("transform", "transformed.quiet"); // no Spark job in its group
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (text.toString().lines().count() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    progress.close(); // the run ends with the table unfinished (it failed)
    long lines = text.toString().lines().count();
    Thread.sleep(600); // three more periods

    assertThat(text.toString().lines().toList().get(1))
        .matches(
            "  transform transformed\\.quiet                    running \\d+ s, no Spark task"
                + " yet \\(on the driver\\)");
    assertThat(text.toString().lines().count()).isEqualTo(lines);
  }
}
