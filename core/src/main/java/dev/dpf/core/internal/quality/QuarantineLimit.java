package dev.dpf.core.internal.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.size;

import dev.dpf.core.api.QualityResult;
import dev.dpf.core.internal.quality.Quality.Subject;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.definition.QualityRule;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code max_quarantined} rule: how many of the rows a run read the row rules (and the types)
 * may reject, all together, before anything is written. Every dataset and model has it: {@link
 * QualityRule.MaxQuarantined#DEFAULT} when it declares none, which stops a batch whose every row is
 * rejected (a wrong format, a broken feed) instead of writing nothing, or replacing a table by
 * nothing.
 */
public final class QuarantineLimit {
  private QuarantineLimit() {}

  /**
   * Judges the rows a run read for {@code table}, as {@link Quality#judgeRows} counted them ({@code
   * judged}) over the rows {@link Quality#withRowChecks} flagged ({@code checked}): adds the rule's
   * result to {@code results} when the rule is declared or the rows break it, and stops the run
   * when they break a rule set to fail.
   *
   * @throws Quality.RuleFailed when more rows are rejected than a fail rule allows
   */
  public static void judge(
      String table,
      Subject subject,
      Quality.Judged judged,
      Dataset<Row> checked,
      List<QualityResult> results) {
    QualityRule.MaxQuarantined rule =
        subject.rules().stream()
            .filter(r -> r instanceof QualityRule.MaxQuarantined)
            .map(r -> (QualityRule.MaxQuarantined) r)
            .findFirst()
            .orElse(null);
    boolean declared = rule != null;
    if (!declared) {
      rule = QualityRule.MaxQuarantined.DEFAULT;
    }
    long read = judged.rows();
    long rejected = judged.rejected();
    boolean exceeded = rule.exceeded(read, rejected);
    if (!declared && !exceeded) {
      return;
    }
    List<String> reasons = rejected == 0 ? List.of() : reasons(checked);
    String detail =
        rejected
            + " of "
            + read
            + " row(s) quarantined ("
            + percent(rejected, read)
            + "), "
            + rule.allows()
            + " allowed";
    QualityResult result =
        new QualityResult(subject.name(), rule, 1, exceeded ? 1 : 0, reasons, detail);
    results.add(result);
    if (exceeded && rule.action() == QualityRule.Action.FAIL) {
      throw new Quality.RuleFailed(
          table
              + ": "
              + rejected
              + " of the "
              + read
              + " row(s) read would be quarantined ("
              + percent(rejected, read)
              + "), and "
              + (declared
                  ? "its max_quarantined rule allows " + rule.allows().replace("at most ", "")
                  : "a batch whose every row is rejected stops the run")
              + ". Nothing was written. "
              + (reasons.isEmpty() ? "" : "Reasons: " + String.join(", ", reasons) + ". ")
              + "Fix the definition or the data"
              + (declared
                  ? ", or change the rule in " + subject.where() + ".quality"
                  : ", or let it through with {rule: max_quarantined, max: 100%, action: warn} in "
                      + subject.where()
                      + ".quality"));
    }
  }

  /** {@code part} of {@code whole} as a percentage, to one decimal where it has one. */
  static String percent(long part, long whole) {
    if (whole == 0) {
      return "0%";
    }
    BigDecimal p =
        BigDecimal.valueOf(part)
            .multiply(BigDecimal.valueOf(100))
            .divide(BigDecimal.valueOf(whole), 1, RoundingMode.HALF_UP)
            .stripTrailingZeros();
    return p.toPlainString() + "%";
  }

  /** The first reasons rows were rejected for, quoted, a few at most. */
  private static List<String> reasons(Dataset<Row> checked) {
    return checked
        .filter(size(col(Columns.ERRORS)).gt(0))
        .select(element_at(col(Columns.ERRORS), 1).as("v"))
        .distinct()
        .orderBy("v")
        .limit(Quality.SAMPLES)
        .collectAsList()
        .stream()
        .map(r -> "'" + r.getString(0) + "'")
        .toList();
  }
}
