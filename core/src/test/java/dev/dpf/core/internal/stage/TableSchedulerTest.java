package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.testing.SparkExtension;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Tables of a stage run at once where they can, and report in task order. */
class TableSchedulerTest {
  private final SparkSession spark = SparkExtension.session();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());

  private TableScheduler.Task task(String table, Set<String> after, Runnable body) {
    return new TableScheduler.Task(
        table,
        after,
        () -> {
          events.add("start " + table);
          body.run();
          events.add("end " + table);
          return List.of(TableResult.skipped(Stage.TRANSFORM, table, 0, "done"));
        });
  }

  private TableScheduler.Task failing(String table) {
    return task(
        table,
        Set.of(),
        () -> {
          throw new IllegalStateException("a broke");
        });
  }

  private static List<String> tables(List<TableResult> results) {
    return results.stream().map(TableResult::table).toList();
  }

  @Test
  void independentTablesOverlapATableWaitsForItsInputsAndResultsKeepTaskOrder() {
    CountDownLatch bothStarted = new CountDownLatch(2);
    Runnable meet =
        () -> {
          bothStarted.countDown();
          try {
            // Each waits for the other: only possible if both run at once.
            assertThat(bothStarted.await(20, TimeUnit.SECONDS)).isTrue();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        };
    List<TableResult> out =
        TableScheduler.run(
            spark,
            3,
            List.of(
                task("z.c", Set.of("z.a", "z.b", "elsewhere.x"), () -> {}),
                task("z.a", Set.of(), meet),
                task("z.b", Set.of(), meet)),
            false);
    assertThat(tables(out)).containsExactly("z.c", "z.a", "z.b");
    assertThat(events.indexOf("start z.c"))
        .isGreaterThan(events.indexOf("end z.a"))
        .isGreaterThan(events.indexOf("end z.b"));
  }

  @Test
  void noMoreTablesRunAtOnceThanThreads() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    Runnable body =
        () -> {
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          running.decrementAndGet();
        };
    List<TableScheduler.Task> tasks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      tasks.add(task("z.t" + i, Set.of(), body));
    }
    assertThat(tables(TableScheduler.run(spark, 2, tasks, false)))
        .containsExactly("z.t0", "z.t1", "z.t2", "z.t3", "z.t4", "z.t5");
    assertThat(most.get()).isEqualTo(2);
  }

  @Test
  void aFailureStopsWhatReadsItAndIsThrownAfterRunningTablesFinish() {
    for (int threads : new int[] {1, 2}) {
      events.clear();
      List<TableScheduler.Task> tasks =
          List.of(
              failing("z.a"),
              task("z.b", Set.of(), () -> {}),
              task("z.c", Set.of("z.a"), () -> {}));
      assertThatThrownBy(() -> TableScheduler.run(spark, threads, tasks, true))
          .as("%d thread(s)", threads)
          .hasMessage("a broke");
      assertThat(events).as("%d thread(s)", threads).contains("end z.b");
      assertThat(events).as("%d thread(s)", threads).doesNotContain("start z.c");
    }
    events.clear();
    List<TableScheduler.Task> sequential = List.of(failing("z.a"), task("z.b", Set.of(), () -> {}));
    assertThatThrownBy(() -> TableScheduler.run(spark, 1, sequential, false)).hasMessage("a broke");
    assertThat(events)
        .as("not keepGoing: nothing starts after a failure")
        .containsExactly("start z.a");
  }
}
