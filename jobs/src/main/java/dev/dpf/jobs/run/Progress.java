package dev.dpf.jobs.run;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;

/**
 * Progress lines of a run: one as each table starts, and for a table still running after {@code
 * first} (10 s) one every {@code every} with the Spark tasks done of those its stages submitted so
 * far (its jobs are the job group named after it).
 */
public final class Progress implements AutoCloseable {
  /** How long a table runs before its first progress line. */
  static final Duration FIRST = Duration.ofSeconds(10);

  private final PrintWriter out;
  private final SparkContext spark;
  private final Duration first;
  private final Duration every;
  private final Map<String, long[]> running = new LinkedHashMap<>(); // table -> {start, last line}
  private final Map<String, String> stages = new LinkedHashMap<>();
  // table -> when it started, in epoch milliseconds, as Spark stamps a stage's submission
  private final Map<String, Long> startedAt = new LinkedHashMap<>();
  private final ScheduledExecutorService timer;
  private boolean closed;

  /**
   * @param first how long a table runs before its first progress line
   * @param every how often a long table's line repeats (10 s on a terminal, a minute in a log)
   */
  Progress(SparkContext spark, PrintWriter out, Duration first, Duration every) {
    this.spark = spark;
    this.out = out;
    this.first = first;
    this.every = every;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "dpf-progress");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(100, Math.min(1000, first.toMillis() / 4));
    timer.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
  }

  /** How often progress repeats: every 10 s on a terminal, every minute otherwise. */
  public static Duration every(boolean terminal) {
    return terminal ? FIRST : Duration.ofMinutes(1);
  }

  synchronized void started(String stage, String table) {
    long now = System.nanoTime();
    running.put(table, new long[] {now, now});
    stages.put(table, stage);
    startedAt.put(table, System.currentTimeMillis());
    out.println(startLine(stage, table));
    out.flush();
  }

  synchronized void finished(String table) {
    running.remove(table);
    stages.remove(table);
    startedAt.remove(table);
  }

  static String startLine(String stage, String table) {
    return String.format(Locale.ROOT, "  %-9s %-36s started", stage, table);
  }

  /**
   * A progress line: the Spark tasks done of those the table's jobs submitted so far, when there
   * are any; when none is running the table is busy on the driver (planning, the Delta log, a
   * commit), and the line says so rather than count nothing.
   */
  static String runningLine(String stage, String table, long seconds, int done, int total) {
    String tasks =
        total == 0
            ? "no Spark task yet (on the driver)"
            : done == total
                ? String.format(Locale.ROOT, "all %,d task(s) done, on the driver now", total)
                : String.format(Locale.ROOT, "%,d of %,d task(s) done", done, total);
    return String.format(
        Locale.ROOT, "  %-9s %-36s running %d s, %s", stage, table, seconds, tasks);
  }

  private synchronized void tick() {
    if (closed) {
      return; // a tick that waited for the lock while the run ended prints nothing
    }
    long now = System.nanoTime();
    for (var e : running.entrySet()) {
      long[] times = e.getValue();
      long ran = now - times[0];
      boolean due =
          ran >= first.toNanos()
              && (times[1] == times[0] || now - times[1] >= every.toNanos() * 19 / 20);
      if (!due) {
        continue;
      }
      int[] tasks = tasks(e.getKey());
      times[1] = now;
      out.println(
          runningLine(
              stages.get(e.getKey()), e.getKey(), ran / 1_000_000_000L, tasks[0], tasks[1]));
      out.flush();
    }
  }

  /**
   * Tasks done, and tasks, of the stages the table's jobs submitted since it started (a process
   * that ran the table before keeps those jobs in the same group).
   */
  private int[] tasks(String table) {
    SparkStatusTracker tracker = spark.statusTracker();
    long since = startedAt.getOrDefault(table, 0L);
    int done = 0;
    int total = 0;
    for (int job : tracker.getJobIdsForGroup(table)) {
      scala.Option<SparkJobInfo> info = tracker.getJobInfo(job);
      if (info.isEmpty()) {
        continue;
      }
      for (int stage : info.get().stageIds()) {
        scala.Option<SparkStageInfo> s = tracker.getStageInfo(stage);
        // Stages not submitted (yet, or skipped: their output was there) have no tasks to wait for.
        if (s.isDefined() && s.get().submissionTime() >= since) {
          done += s.get().numCompletedTasks();
          total += s.get().numTasks();
        }
      }
    }
    return new int[] {done, total};
  }

  /** Stops the lines: none is printed once this returns, whatever the run's tables still hold. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    timer.shutdownNow();
  }
}
