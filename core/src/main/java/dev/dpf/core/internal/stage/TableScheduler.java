package dev.dpf.core.internal.stage;

import dev.dpf.core.api.TableResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * Runs the tables of one stage on a bounded pool of driver threads: a table starts as soon as the
 * tables it reads (among this stage's) are done. Spark takes jobs from several threads, and most of
 * a small table's time is driver-side work (Delta log reads, planning, catalog calls), so
 * independent tables overlap. The results come back in task order whatever order the tables
 * finished in.
 */
public final class TableScheduler {
  /** The session setting for the number of tables run at once (default: the cores, at most 4). */
  static final String THREADS_CONF = "spark.dpf.tableThreads";

  /**
   * Each table's jobs go to a scheduler pool of its own: with the session's FAIR scheduling (see
   * SparkSetup) a small table's tasks take turns with a large table's instead of queuing behind all
   * of them.
   */
  private static final String POOL = "spark.scheduler.pool";

  private static final int DEFAULT_THREADS =
      Math.min(4, Runtime.getRuntime().availableProcessors());

  /**
   * One table's work.
   *
   * @param table its qualified name
   * @param after the tables it reads; those among the stage's tasks finish first
   * @param work what to do; returns its results (a dataset may report a history table too)
   */
  public record Task(String table, Set<String> after, Supplier<List<TableResult>> work) {}

  private record Outcome(int index, List<TableResult> results, RuntimeException failure) {}

  private TableScheduler() {}

  /** Threads for one stage, from the session's {@link #THREADS_CONF} (at least 1). */
  private static int threads(SparkSession spark) {
    String v = spark.conf().get(THREADS_CONF, String.valueOf(DEFAULT_THREADS));
    try {
      return Math.max(1, Integer.parseInt(v.strip()));
    } catch (NumberFormatException e) {
      throw new dev.dpf.core.DpfException(
          THREADS_CONF + " must be a whole number of threads, not '" + v + "'");
    }
  }

  /**
   * Runs the tasks. When one fails, tasks not yet started are started only if {@code keepGoing}
   * (those after a failed task never are); once everything started has finished, the failure of the
   * first failed task in task order is thrown, later ones suppressed in it.
   */
  public static List<TableResult> run(SparkSession spark, List<Task> tasks, boolean keepGoing) {
    return run(spark, threads(spark), tasks, keepGoing);
  }

  /** As above, on {@code threads} threads. */
  public static List<TableResult> run(
      SparkSession spark, int threads, List<Task> tasks, boolean keepGoing) {
    Set<String> names = new HashSet<>();
    tasks.forEach(t -> names.add(t.table()));
    if (threads <= 1 || tasks.size() <= 1) {
      return inOrder(tasks, keepGoing);
    }
    ExecutorService pool = pool(Math.min(threads, tasks.size()));
    try {
      ExecutorCompletionService<Outcome> done = new ExecutorCompletionService<>(pool);
      Map<Integer, List<TableResult>> results = new HashMap<>();
      Map<Integer, RuntimeException> failures = new HashMap<>();
      Set<String> finished = new HashSet<>();
      Set<String> failedOrBlocked = new HashSet<>();
      LinkedHashSet<Integer> waiting = new LinkedHashSet<>();
      for (int i = 0; i < tasks.size(); i++) {
        waiting.add(i);
      }
      int running = 0;
      while (true) {
        boolean stop = !failures.isEmpty() && !keepGoing;
        for (var it = waiting.iterator(); it.hasNext() && !stop; ) {
          int i = it.next();
          Task task = tasks.get(i);
          Set<String> deps = new HashSet<>(task.after());
          deps.retainAll(names);
          deps.remove(task.table());
          if (deps.stream().anyMatch(failedOrBlocked::contains)) {
            failedOrBlocked.add(task.table());
            it.remove();
          } else if (finished.containsAll(deps)) {
            it.remove();
            running++;
            done.submit(() -> work(spark, i, task));
          }
        }
        if (running == 0) {
          break;
        }
        Outcome o = next(done);
        running--;
        String table = tasks.get(o.index()).table();
        if (o.failure() == null) {
          results.put(o.index(), o.results());
          finished.add(table);
        } else {
          failures.put(o.index(), o.failure());
          failedOrBlocked.add(table);
        }
      }
      return collect(tasks, results, failures);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A pool of {@code threads} daemon threads named {@code dpf-table-<n>}. */
  private static ExecutorService pool(int threads) {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, "dpf-table-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** Task {@code i}'s work on a pool thread, in the table's own scheduler pool. */
  private static Outcome work(SparkSession spark, int i, Task task) {
    SparkSession.setActiveSession(spark);
    spark.sparkContext().setLocalProperty(POOL, task.table());
    try {
      return new Outcome(i, task.work().get(), null);
    } catch (Exception e) { // Scala code throws checked exceptions undeclared
      return new Outcome(i, null, runtime(task.table(), e));
    } finally {
      spark.sparkContext().setLocalProperty(POOL, null);
    }
  }

  /** The next task to finish. */
  private static Outcome next(ExecutorCompletionService<Outcome> done) {
    try {
      return done.take().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running tables", e);
    } catch (ExecutionException e) {
      // Only an Error gets here (a task's exceptions are its outcome): stop at once.
      throw new IllegalStateException("a table's thread stopped: " + e.getCause(), e.getCause());
    }
  }

  private static List<TableResult> inOrder(List<Task> tasks, boolean keepGoing) {
    Map<Integer, List<TableResult>> results = new HashMap<>();
    Map<Integer, RuntimeException> failures = new HashMap<>();
    Set<String> failed = new HashSet<>();
    for (int i = 0; i < tasks.size(); i++) {
      Task task = tasks.get(i);
      if (!failures.isEmpty() && !keepGoing) {
        break;
      }
      if (task.after().stream().anyMatch(t -> !t.equals(task.table()) && failed.contains(t))) {
        failed.add(task.table());
        continue;
      }
      try {
        results.put(i, task.work().get());
      } catch (Exception e) { // Scala code throws checked exceptions undeclared
        failures.put(i, runtime(task.table(), e));
        failed.add(task.table());
      }
    }
    return collect(tasks, results, failures);
  }

  /** A task's failure as an unchecked exception: as it is, else wrapped naming the table. */
  private static RuntimeException runtime(String table, Exception e) {
    return e instanceof RuntimeException r
        ? r
        : new IllegalStateException(table + " failed: " + e, e);
  }

  private static List<TableResult> collect(
      List<Task> tasks,
      Map<Integer, List<TableResult>> results,
      Map<Integer, RuntimeException> failures) {
    RuntimeException first = null;
    List<TableResult> out = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      RuntimeException e = failures.get(i);
      if (e != null) {
        if (first == null) {
          first = e;
        } else if (first != e) {
          first.addSuppressed(e);
        }
      }
      List<TableResult> r = results.get(i);
      if (r != null) {
        out.addAll(r);
      }
    }
    if (first != null) {
      throw first;
    }
    return out;
  }
}
