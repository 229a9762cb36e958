package dev.dpf.core.internal.stage.versions;

import dev.dpf.core.api.Stage;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.stage.RunContext;
import dev.dpf.core.internal.stage.StageLog;
import dev.dpf.core.internal.system.RunManifest;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.Maintenance;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps the lake's storage to what its kept runs need. A run is kept when it is one of the last
 * {@link Maintenance#keepRuns} runs or ended within {@link Maintenance#keepDays} days (so the kept
 * runs are every run from the oldest kept one on). Each table's small files are compacted and the
 * rows its deletion vectors remove are purged from its files; then the files that neither its
 * latest version nor the version any kept run left reads are removed (Delta's VACUUM, keeping what
 * left the table from the earliest removal after the oldest such version, or the days kept). When
 * no table changed since the newest run, that run's state is recorded again at the compacted
 * versions (the same rows), so its small files need not stay.
 */
public final class Maintain {
  private Maintain() {}

  /** The note's start that names the oldest run maintenance kept. */
  public static final String KEEPS = "keeps runs from ";

  /**
   * The runs kept: the newest {@code keepRuns}, and every run that ended within {@code keepDays} of
   * {@code now}; the newest first.
   */
  static List<RunManifest.RunEnd> kept(
      List<RunManifest.RunEnd> runs, Maintenance settings, Instant now) {
    Instant since = now.minus(Duration.ofDays(settings.keepDays()));
    List<RunManifest.RunEnd> out = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      if (i < settings.keepRuns() || !runs.get(i).endedAt().isBefore(since)) {
        out.add(runs.get(i));
      }
    }
    return out;
  }

  /** Compacts, then vacuums, every table of the lake, reporting one result per table. */
  public static List<TableResult> apply(RunContext run, StageLog log, Maintenance settings) {
    Lake lake = run.lake();
    Instant now = Instant.now();
    List<RunManifest.RunEnd> kept = kept(RunManifest.runs(lake), settings, now);
    Map<String, Map<TableName, Long>> keptVersions =
        new HashMap<>(RunManifest.of(lake, kept.stream().map(RunManifest.RunEnd::runId).toList()));
    Map<TableName, Long> before = RunManifest.latest(lake);
    List<TableName> tables = new ArrayList<>();
    for (Zone zone : Zone.values()) {
      tables.addAll(lake.tables(zone));
    }
    Map<TableName, long[]> disk = new HashMap<>();
    for (TableName table : tables) {
      disk.put(table, onDisk(lake, table));
      run.writer().compact(table, settings.targetFileBytes());
    }
    if (!kept.isEmpty()) {
      RunManifest.RunEnd newest = kept.get(0);
      Map<TableName, Long> left = keptVersions.get(newest.runId());
      Map<TableName, Long> after = RunManifest.latest(lake);
      if (left != null && left.equals(withoutNewTables(before, left)) && !after.equals(before)) {
        // Nothing changed a row since the newest run: its state is the lake's as it is now.
        Map<TableName, Long> again = new HashMap<>(left.isEmpty() ? after : left);
        again.replaceAll((t, v) -> after.getOrDefault(t, v));
        RunManifest.recordAgain(lake, run.writer(), newest, Stage.MAINTAIN, again);
        keptVersions.put(newest.runId(), again);
      }
    }
    run.options().hooks().reached("maintain:compacted");
    String keptFrom =
        kept.isEmpty() ? "" : KEEPS + kept.get(kept.size() - 1).runId() + " (" + kept.size() + ")";
    List<TableResult> out = new ArrayList<>();
    for (TableName table : tables) {
      out.addAll(
          log.step(
              Stage.MAINTAIN,
              table.toString(),
              () ->
                  List.of(
                      vacuum(run, table, keptVersions, settings, now, disk.get(table), keptFrom))));
    }
    return out;
  }

  /**
   * Removes from storage every file of {@code tables} that their latest versions do not read, now:
   * rewrites the files that carry deletion vectors without their deleted rows, then vacuums with no
   * retention, so that the rows the run removed leave the disk (and the tables' earlier versions
   * can no longer be read or restored); then scrubs the tables' Delta logs of the values their
   * statistics kept ({@link dev.dpf.core.storage.DeltaWriter#scrubLog}).
   */
  public static List<TableResult> purge(RunContext run, StageLog log, List<TableName> tables) {
    List<dev.dpf.core.internal.stage.TableScheduler.Task> tasks = new ArrayList<>();
    for (TableName table : tables) {
      tasks.add(
          new dev.dpf.core.internal.stage.TableScheduler.Task(
              table.toString(),
              Set.of(),
              () ->
                  log.step(Stage.MAINTAIN, table.toString(), () -> List.of(purgeOne(run, table)))));
    }
    // The tables are independent: purged side by side.
    return dev.dpf.core.internal.stage.TableScheduler.run(run.spark(), tasks, false);
  }

  private static TableResult purgeOne(RunContext run, TableName table) {
    long start = System.nanoTime();
    long[] before = onDisk(run.lake(), table);
    run.writer().purgeDeletedRows(table);
    run.writer().vacuum(table, Instant.now());
    run.writer().scrubLog(table);
    long[] after = onDisk(run.lake(), table);
    return TableResult.of(Stage.MAINTAIN, table.toString(), TableResult.Status.OK)
        .files((int) after[0])
        .seconds(StageLog.seconds(start))
        .note(
            String.format(
                Locale.ROOT,
                "%s%s (1); purged: on disk %d file(s), %s (were %d file(s), %s); earlier"
                    + " versions' files removed",
                KEEPS,
                run.runId(),
                after[0],
                size(after[1]),
                before[0],
                size(before[1])))
        .build();
  }

  /** {@code before}, only the tables {@code left} has. */
  private static Map<TableName, Long> withoutNewTables(
      Map<TableName, Long> before, Map<TableName, Long> left) {
    Map<TableName, Long> out = new HashMap<>(before);
    out.keySet().retainAll(left.keySet());
    return out;
  }

  private static TableResult vacuum(
      RunContext run,
      TableName table,
      Map<String, Map<TableName, Long>> keptVersions,
      Maintenance settings,
      Instant now,
      long[] before,
      String keptFrom) {
    long start = System.nanoTime();
    Lake lake = run.lake();
    long latest = lake.latestVersion(table);
    long oldest = latest;
    Set<Long> needed = new LinkedHashSet<>();
    for (Map<TableName, Long> versions : keptVersions.values()) {
      Long v = versions.get(table);
      if (v != null && v >= 0) {
        oldest = Math.min(oldest, v);
        needed.add(v);
      }
    }
    // What the oldest kept version reads and a later one does not left the table after it: keep
    // every file that left at or after the earliest such removal (its commit's time when the log
    // no longer tells), and every file that left within the days kept.
    // The time is taken here, after the compaction: what it removed is read by no kept version.
    Instant vacuumAt = Instant.now();
    Optional<Instant> removed = lake.earliestRemovalAfter(table, oldest);
    Instant cutoff =
        removed == null
            ? lake.commitTime(table, oldest).minus(Duration.ofHours(1))
            : removed.orElse(vacuumAt);
    if (settings.keepDays() > 0
        && now.minus(Duration.ofDays(settings.keepDays())).isBefore(cutoff)) {
      cutoff = now.minus(Duration.ofDays(settings.keepDays()));
    }
    run.writer().keepLog(table, Duration.between(cutoff, vacuumAt).plusDays(1));
    run.writer().vacuum(table, cutoff);
    run.options().hooks().reached("maintain:vacuumed " + table);
    long[] after = onDisk(lake, table);
    long currentFiles = lake.fileCount(table).orElse(-1);
    long currentBytes = lake.sizeBytes(table).orElse(-1);
    String note =
        String.format(
            Locale.ROOT,
            "%s; on disk %d file(s), %s for a current version of %d file(s), %s (were %d file(s),"
                + " %s); kept versions %s",
            keptFrom.isEmpty() ? "no run kept" : keptFrom,
            after[0],
            size(after[1]),
            currentFiles,
            size(currentBytes),
            before[0],
            size(before[1]),
            needed.isEmpty() ? "none (only the latest)" : needed.toString());
    boolean changed =
        after[0] != before[0] || latest != lake.latestVersion(table) || after[1] != before[1];
    return TableResult.of(
            Stage.MAINTAIN,
            table.toString(),
            changed ? TableResult.Status.OK : TableResult.Status.UP_TO_DATE)
        .files((int) after[0])
        .seconds(StageLog.seconds(start))
        .note(note)
        .build();
  }

  /** The table's files on storage (its log aside) and their bytes. */
  static long[] onDisk(Lake lake, TableName table) {
    long files = 0;
    long bytes = 0;
    for (Lake.DataFile f : lake.dataFiles(table)) {
      files++;
      bytes += f.bytes();
    }
    return new long[] {files, bytes};
  }

  /** Bytes for people: {@code 1.2 MB}. */
  static String size(long bytes) {
    if (bytes < 0) {
      return "? bytes";
    }
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    double kb = bytes / 1024.0;
    return kb < 1024
        ? String.format(Locale.ROOT, "%.1f KB", kb)
        : String.format(Locale.ROOT, "%.1f MB", kb / 1024);
  }
}
