package dev.dpf.core.internal.stage;

import dev.dpf.core.api.QualityResult;
import dev.dpf.core.api.TableResult;
import dev.dpf.core.internal.quality.Quality;
import dev.dpf.core.internal.quality.TableRules;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.QualityRule;
import dev.dpf.definition.TableName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The quality results of a stage's tables (written from several threads), for the run's report and
 * for its quality log. A table that no new data changed has its freshness judged again on every run
 * (a silent feed grows stale); those results are reported (printed, in {@code --results}, counted
 * by {@code --fail-on-warn}) but not logged, so a scheduler polling a lake with nothing new does
 * not grow it.
 */
public final class QualityResults {
  private final Map<String, List<QualityResult>> judged = new ConcurrentHashMap<>();
  private final Map<String, List<QualityResult>> rejudged = new ConcurrentHashMap<>();

  /** Results of the rules judged as {@code name}'s table was written (or stopped by them). */
  public void add(String name, List<QualityResult> results) {
    if (!results.isEmpty()) {
      judged.computeIfAbsent(name, k -> new ArrayList<>()).addAll(results);
    }
  }

  /** Results of the freshness rules judged again over {@code name}'s unchanged table. */
  void addRejudged(String name, List<QualityResult> results) {
    if (!results.isEmpty()) {
      rejudged.computeIfAbsent(name, k -> new ArrayList<>()).addAll(results);
    }
  }

  /**
   * Judges the freshness rules of {@code subject} again over its table {@code zone.name}, which no
   * new data changed ({@code upToDate}: its result): the newest values from the table's file
   * statistics where they tell them, else from its rows.
   *
   * @throws TableFailure when a freshness rule set to fail fails
   */
  public void rejudgeFreshness(
      Lake lake, TableName table, Quality.Subject subject, Instant now, TableResult upToDate) {
    if (subject.rules().stream().noneMatch(r -> r.kind() == QualityRule.Kind.FRESHNESS)
        || !lake.exists(table)) {
      return;
    }
    List<QualityResult> fresh =
        TableRules.freshness(
            subject, column -> lake.newest(table, column), () -> lake.read(table), now);
    addRejudged(table.name(), fresh);
    try {
      Quality.failIfAny(subject, fresh);
    } catch (Quality.RuleFailed e) {
      throw new TableFailure(upToDate, List.of(), e);
    }
  }

  /** Every result of these tables, in their order: for the run's report. */
  public List<QualityResult> of(List<String> names) {
    List<QualityResult> out = new ArrayList<>();
    for (String n : names) {
      out.addAll(judged.getOrDefault(n, List.of()));
      out.addAll(rejudged.getOrDefault(n, List.of()));
    }
    return out;
  }

  /**
   * The results to log: those judged as tables were written. Those judged again over unchanged
   * tables are reported, not logged: a run that changes nothing writes nothing.
   */
  public List<QualityResult> toLog(List<String> names) {
    List<QualityResult> out = new ArrayList<>();
    for (String n : names) {
      out.addAll(judged.getOrDefault(n, List.of()));
    }
    return out;
  }
}
