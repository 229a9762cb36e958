package dev.dpf.core.internal.quality;

import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.QualityResult;
import dev.dpf.core.internal.transform.Columns;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.QualityRule;
import dev.dpf.definition.QualityRule.Action;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each quality rule kind on a few inline rows, with the failing rows, counts, samples and reasons
 * worked out by hand from the rows below.
 */
@ExtendWith(SparkExtension.class)
class QualityTest {
  private static final StructType SCHEMA =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("amount", DataTypes.createDecimalType(6, 2))
          .add("code", DataTypes.StringType)
          .add("email", DataTypes.StringType)
          .add("ref", DataTypes.StringType);

  /**
   * Row 1 passes every rule; row 2 has a negative amount, a bad e-mail and an unknown ref; row 3 is
   * nulls but for code Z (not allowed); row 4's amount is above the range.
   */
  private static Dataset<Row> rows(SparkSession spark) {
    return spark.createDataFrame(
        List.of(
            RowFactory.create(1, new BigDecimal("10.00"), "A", "a@x.io", "r1"),
            RowFactory.create(2, new BigDecimal("-5.00"), "B", "bad", "r9"),
            RowFactory.create(null, null, "Z", null, null),
            RowFactory.create(4, new BigDecimal("1000.00"), null, "c@x.io", "r2")),
        SCHEMA);
  }

  private static Quality.Subject subject(StructType schema, List<QualityRule> rules) {
    Map<String, Map.Entry<String, String>> columns = new LinkedHashMap<>();
    for (var f : schema.fields()) {
      columns.put(f.name(), Map.entry(f.name(), f.dataType().sql()));
    }
    return new Quality.Subject("t", "models.t", rules, List.of(), columns);
  }

  private static final List<QualityRule> ROW_RULES =
      List.of(
          new QualityRule.NotNull(List.of("id"), Action.WARN),
          new QualityRule.Range("amount", Optional.of("0"), Optional.of("100"), Action.QUARANTINE),
          new QualityRule.Regex("email", "[^@]+@[^@]+", Action.WARN),
          new QualityRule.AllowedValues("code", List.of("A", "B"), Action.WARN),
          new QualityRule.References("ref", "refs", "id", Action.WARN),
          new QualityRule.Expect("positive", "Amount > 0", Action.WARN)); // any case, as SQL

  private static Dataset<Row> checked(SparkSession spark, Quality.Subject subject) {
    Dataset<Row> refs =
        spark.createDataFrame(
            List.of(RowFactory.create("r1"), RowFactory.create("r2")),
            new StructType().add("id", DataTypes.StringType));
    return Quality.withRowChecks(
        subject, rows(spark), d -> d.equals("refs") ? Optional.of(refs) : Optional.empty());
  }

  @Test
  void eachRowRuleCountsItsFailingRowsWithSortedSamples(SparkSession spark) {
    Quality.Subject subject = subject(SCHEMA, ROW_RULES);
    List<QualityResult> results = Quality.rowResults(subject, checked(spark, subject));

    assertThat(results)
        .extracting(r -> r.rule().label())
        .containsExactly(
            "not_null(id)",
            "range(amount)",
            "regex(email)",
            "allowed_values(code)",
            "references(ref)",
            "expect(positive)");
    assertThat(results).allMatch(r -> r.checked() == 4);
    assertThat(results).extracting(QualityResult::failed).containsExactly(1L, 2L, 1L, 1L, 1L, 1L);
    assertThat(results)
        .extracting(QualityResult::samples)
        .containsExactly(
            List.of("'null'"),
            List.of("'-5.00'", "'1000.00'"),
            List.of("'bad'"),
            List.of("'Z'"),
            List.of("'r9'"),
            List.of("'Amount=-5.00'"));
    assertThat(results)
        .extracting(QualityResult::detail)
        .containsExactly(
            "",
            "allowed from 0 to 100",
            "pattern [^@]+@[^@]+",
            "allowed A, B",
            "not in refs.id",
            "expected Amount > 0");
    assertThat(results)
        .extracting(r -> r.status().label())
        .containsExactly("warned", "quarantined", "warned", "warned", "warned", "warned");
  }

  @Test
  void onlyAQuarantineRuleGivesRowsAReasonAndAFlagPerRuleMarksTheFailures(SparkSession spark) {
    Quality.Subject subject = subject(SCHEMA, ROW_RULES);
    List<Row> out =
        checked(spark, subject)
            .select(
                col("id"),
                array_join(col(Columns.ERRORS), "; ").as("why"),
                col(Quality.flag(0)),
                col(Quality.flag(5)))
            .orderBy(col("id").asc_nulls_first())
            .collectAsList();
    assertThat(out.stream().map(Row::toString).toList())
        .containsExactly(
            "[null,,true,null]", // Amount > 0 over a null amount is null: not a failure
            "[1,,false,false]",
            "[2,range(amount) failed for '-5.00' (allowed from 0 to 100),false,true]",
            "[4,range(amount) failed for '1000.00' (allowed from 0 to 100),false,false]");
  }

  @Test
  void aRuleOverAPiiTaggedColumnKeepsNoFailingValues(SparkSession spark) {
    Quality.Subject plain = subject(SCHEMA, List.of(ROW_RULES.get(2), ROW_RULES.get(5)));
    Quality.Subject tagged =
        new Quality.Subject(
            plain.name(),
            plain.where(),
            plain.rules(),
            plain.key(),
            plain.columns(),
            Map.of("email", "email"));
    Dataset<Row> checked = Quality.withRowChecks(tagged, rows(spark), d -> Optional.empty());

    List<QualityResult> results = Quality.rowResults(tagged, checked);

    // regex(email): row 2's 'bad' fails, and is not kept; the expression reads only amount.
    assertThat(results.get(0).failed()).isEqualTo(1);
    assertThat(results.get(0).samples()).containsExactly("(values not kept: pii email)");
    assertThat(results.get(1).samples()).containsExactly("'Amount=-5.00'");
    assertThat(Quality.rowResults(plain, checked).get(0).samples()).containsExactly("'bad'");
  }

  @Test
  void aReferenceToADatasetNotYetTransformedFailsEveryValueButNull(SparkSession spark) {
    Quality.Subject subject =
        subject(SCHEMA, List.of(new QualityRule.References("ref", "refs", "id", Action.WARN)));
    Dataset<Row> checked = Quality.withRowChecks(subject, rows(spark), d -> Optional.empty());
    QualityResult r = Quality.rowResults(subject, checked).get(0);
    assertThat(r.failed()).isEqualTo(3); // r1, r9, r2; the null passes
    assertThat(r.samples()).containsExactly("'r1'", "'r2'", "'r9'");
  }

  @Test
  void aFailRuleStopsWithItsCountsAndExamples(SparkSession spark) {
    Quality.Subject subject =
        subject(
            SCHEMA,
            List.of(
                new QualityRule.Range("amount", Optional.of("0"), Optional.empty(), Action.FAIL)));
    List<QualityResult> results =
        Quality.rowResults(
            subject, Quality.withRowChecks(subject, rows(spark), d -> Optional.empty()));
    assertThatThrownBy(() -> Quality.failIfAny(subject, results))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Quality rule failed (action fail): t range(amount): 1 of 4 failed, for example"
                + " '-5.00' (allowed from 0). Fix the data at its source, or change the rule in"
                + " models.t.quality");
  }

  @Test
  void tableRulesJudgeTheWholeTable(SparkSession spark) {
    StructType schema =
        new StructType().add("code", DataTypes.StringType).add("ts", DataTypes.TimestampType);
    Instant now = Instant.parse("2026-12-01T12:00:00Z");
    Instant newest = now.minus(Duration.ofHours(40));
    Dataset<Row> table =
        spark.createDataFrame(
            List.of(
                RowFactory.create("A", Timestamp.from(newest.minus(Duration.ofDays(1)))),
                RowFactory.create("B", Timestamp.from(newest)),
                RowFactory.create("A", null)),
            schema);
    Quality.Subject subject =
        subject(
            schema,
            List.of(
                new QualityRule.Unique(List.of("code"), Action.WARN),
                new QualityRule.MinRows(5, Action.WARN),
                new QualityRule.Freshness("ts", Duration.ofHours(36), Action.WARN),
                new QualityRule.Freshness("ts", Duration.ofHours(48), Action.WARN),
                new QualityRule.MinRows(3, Action.FAIL)));

    List<QualityResult> results = TableRules.results(subject, table, now);

    assertThat(results.stream().map(QualityResult::describe).toList())
        .containsExactly(
            "t unique(code): 2 of 3 failed, for example 'A' (1 value(s) held by more than one"
                + " row)",
            "t min_rows: 1 of 1 failed (3 row(s), at least 5 expected)",
            "t freshness(ts): 1 of 1 failed (newest 2026-11-29T20:00:00Z, at least"
                + " 2026-11-30T00:00:00Z expected)",
            "t freshness(ts): 0 of 1 failed (newest 2026-11-29T20:00:00Z, at least"
                + " 2026-11-29T12:00:00Z expected)",
            "t min_rows: 0 of 1 failed (3 row(s), at least 3 expected)");
  }

  @Test
  void anExpectRuleMustBeABooleanOverTheSubjectsColumns(SparkSession spark) {
    Quality.Subject subject = subject(SCHEMA, List.of());
    Dataset<Row> rows = rows(spark);
    ExpectRules.check(
        subject, new QualityRule.Expect("ok", "amount > 0 AND code <> 'Z'", Action.WARN), rows);
    assertThatThrownBy(
            () ->
                ExpectRules.check(
                    subject, new QualityRule.Expect("n", "upper(code)", Action.WARN), rows))
        .hasMessage(
            "Quality rule expect(n) of 't': 'upper(code)' is string, not a boolean. Write a"
                + " comparison, for example amount > 0, in models.t.quality");
    assertThatThrownBy(
            () ->
                ExpectRules.check(
                    subject, new QualityRule.Expect("m", "amont > 0", Action.WARN), rows))
        .hasMessageStartingWith(
            "Quality rule expect(m) of 't' reads column 'amont', which models.t does not have"
                + " (columns: amount, code, email, id, ref)");
    assertThat(Arrays.asList(rows.columns())).doesNotContain(Columns.ERRORS);
  }
}
