package dev.dpf.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.definition.testing.Repo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DefinitionsTest {
  private static final String SOURCES =
      """
      sources:
        payments: {kind: firehose-json, path: streaming/payments}
        transactions: {kind: csv-files, path: files/transactions/}
      """;
  private static final String DATASET =
      """
      datasets:
        transactions:
          source: transactions
          key: [transaction_id]
          columns:
            transaction_id: {type: string, nullable: false}
            amount: decimal(12,2)
            transaction_date: {from: date, type: date, format: M/d/yyyy}
      """;

  private static PipelineDefinition parse(String yaml) {
    return parse(yaml, Map.of("models/t.sql", "SELECT * FROM transformed.transactions;\n"));
  }

  private static PipelineDefinition parse(String yaml, Map<String, String> files) {
    return Definitions.parse("p.yaml", yaml, files::get);
  }

  /**
   * Asserts the message of the definition's mistake, leaving out the line each problem names
   * ({@code line 12: }), which {@link #aMistakeNamesItsLineInTheFile} checks.
   */
  private static void assertError(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(DefinitionException.class)
        .extracting(e -> withoutLines(e.getMessage()))
        .isEqualTo(message);
  }

  private static String withoutLines(String message) {
    return message.replaceAll("(?m)(^p\\.yaml: |^  )line [0-9]+: ", "$1");
  }

  @Test
  void aMistakeNamesItsLineInTheFile() {
    String yaml =
        "sources:\n" // 1
            + "  t: {kind: csv-files, path: f}\n" // 2
            + "datasets:\n" // 3
            + "  t:\n" // 4
            + "    soruce: t\n" // 5: a misspelt key
            + "    columns: {a: int}\n" // 6
            + "  u:\n" // 7
            + "    source: t\n" // 8
            + "    columns:\n" // 9
            + "      a: {type: int}\n" // 10
            + "    quality:\n" // 11
            + "      - {rule: not_null, column: a, action: warn}\n" // 12
            + "      - {rule: not_nul, column: a, action: warn}\n" // 13: a misspelt rule
            + "  v:\n" // 14
            + "    source: t\n"; // 15: no columns: the dataset's own line

    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOf(DefinitionException.class)
        .hasMessage(
            "p.yaml: 3 problems:\n"
                + "  line 5: datasets.t.soruce: unknown key. Did you mean 'source'? Allowed here:"
                + " columns, description, history, key, on_new_columns, ordering, owner,"
                + " partition_by, quality, source, tags\n"
                + "  line 13: datasets.u.quality[1].rule: unknown value 'not_nul'. Did you mean"
                + " 'not_null'? Use not_null, range, regex, allowed_values, references, expect,"
                + " unique, freshness, min_rows or max_quarantined\n"
                + "  line 14: datasets.v.columns: missing. Add columns: a map of column name to"
                + " {from, type}");
  }

  @Test
  void readsSourcesDatasetsAndModels() {
    PipelineDefinition d =
        parse(SOURCES + DATASET + "models:\n  t: {sql: models/t.sql, partition_by: customer_id}\n");

    assertThat(d.sources())
        .containsExactly(
            new SourceDef("payments", SourceKind.FIREHOSE_JSON, "streaming/payments"),
            new SourceDef("transactions", SourceKind.CSV_FILES, "files/transactions"));
    DatasetDef t = d.datasets().get(0);
    assertThat(t.key()).containsExactly("transaction_id");
    assertThat(t.columns())
        .containsExactly(
            new ColumnDef(
                "transaction_id",
                "transaction_id",
                new ColumnType(ColumnType.Base.STRING, 0, 0),
                Optional.empty(),
                false),
            new ColumnDef(
                "amount",
                "amount",
                new ColumnType(ColumnType.Base.DECIMAL, 12, 2),
                Optional.empty(),
                true),
            new ColumnDef(
                "transaction_date",
                "date",
                new ColumnType(ColumnType.Base.DATE, 0, 0),
                Optional.of("M/d/yyyy"),
                true));
    assertThat(d.models())
        .containsExactly(
            new ModelDef(
                "t",
                Zone.CURATED,
                "models/t.sql",
                "SELECT * FROM transformed.transactions",
                List.of("customer_id")));
  }

  @Test
  void loadsTheRepositoryDefinition() {
    PipelineDefinition d = Definitions.load(Repo.root().resolve("src/pipeline.yaml"));

    assertThat(d.sources())
        .extracting(SourceDef::name)
        .containsExactly(
            "payments", "customers", "orders", "orderdetails", "products", "transactions");
    assertThat(d.datasets())
        .extracting(DatasetDef::name)
        .containsExactly(
            "customers", "payments", "transactions", "products", "orders", "order_lines");
    assertThat(d.models())
        .extracting(ModelDef::table)
        .containsExactly(
            "transformed.customer_data",
            "curated.customer_data_usa",
            "curated.transactions",
            "curated.customer_360",
            "curated.daily_payments_by_country",
            "curated.risk_flags",
            "curated.revenue_by_productline_month");
    // Each model is recomputed by a key found in its SQL: none overrides that.
    assertThat(d.models()).allMatch(m -> m.incremental().isEmpty());
    assertThat(d.tables())
        .extracting(PipelineDefinition.Table::qualified)
        .containsExactly(
            "consolidated.payments",
            "consolidated.customers",
            "consolidated.orders",
            "consolidated.orderdetails",
            "consolidated.products",
            "consolidated.transactions",
            "transformed.customers",
            "transformed.customers_history",
            "transformed.payments",
            "transformed.transactions",
            "transformed.products",
            "transformed.orders",
            "transformed.order_lines",
            "transformed.customer_data",
            "curated.customer_data_usa",
            "curated.transactions",
            "curated.customer_360",
            "curated.daily_payments_by_country",
            "curated.risk_flags",
            "curated.revenue_by_productline_month");
    assertThat(d.tables().get(7).madeBy()).isEqualTo("history of dataset customers");
  }

  @Test
  void docsKeepTheDefinitionsOrderSoItsTextIsTheSameInEveryJvm() {
    // The definition's text fingerprints it (a run checks a new definition once): an order that
    // changed from JVM to JVM (Map.copyOf's) made runs check it again at random.
    PipelineDefinition d =
        parse(
            """
            sources:
              s: {kind: csv-files, path: files/s, description: the s files}
            datasets:
              d: {source: s, description: d, columns: {x: int}}
            models:
              t:
                sql: models/t.sql
                description: t
                columns: {e: e is, a: a is, d: d is, b: b is, c: c is}
            """);
    assertThat(List.copyOf(d.docs("curated.t").columns().keySet()))
        .containsExactly("e", "a", "d", "b", "c");
    assertThat(List.copyOf(d.docs().keySet()))
        .containsExactly("consolidated.s", "transformed.d", "curated.t");
  }

  @Test
  void readsWhatTablesSayForPeople() {
    PipelineDefinition d = Definitions.load(Repo.root().resolve("src/pipeline.yaml"));

    assertThat(d.docs("transformed.customers"))
        .isEqualTo(
            new TableDocs(
                "Current customer profiles from the order system (classicmodels.customers)",
                "customer-data",
                List.of("customer", "pii"),
                Map.of("credit_limit", "the credit the firm extends to the customer")));
    assertThat(d.docs("transformed.customers_history")).isEqualTo(d.docs("transformed.customers"));
    assertThat(d.docs("curated.customer_360").columns())
        .isEqualTo(
            Map.of(
                "customer_key", "the customer's name as a keyed hash (protect_name)",
                "credit_utilization", "payments over the credit limit; null without a limit"));
    assertThat(d.docs("consolidated.payments").tags()).containsExactly("payments");
    assertThat(d.docs("curated.transactions")).isEqualTo(TableDocs.NONE);

    assertError(
        "sources:\n  t:\n    kind: csv-files\n    path: files/t\n    tags: [Finance]\n",
        "p.yaml: sources.t.tags: 'Finance' is not a valid tag. Use snake_case:"
            + " lower-case letters, digits and '_', starting with a letter");
    assertError(
        SOURCES + "models:\n  m:\n    sql: models/t.sql\n    columns: {a: {type: int}}\n",
        "p.yaml: models.m.columns.a: expected the column's description, for example total: the"
            + " sum of the payments");
  }

  @Test
  void readsModelPolicyAndIncrementalSettings() {
    ModelDef m =
        parse(
                SOURCES
                    + DATASET
                    + "models:\n  m:\n    sql: models/t.sql\n    partition_by: [transaction_date]\n"
                    + "    pii_in_clear: [account_number]\n"
                    + "    incremental: {changes_of: transformed.transactions, partition: transaction_date}\n")
            .models()
            .get(0);
    assertThat(m.piiInClear()).containsExactly("account_number");
    assertThat(m.incremental())
        .contains(ModelDef.Incremental.byPartition("transformed.transactions", "transaction_date"));

    String model = SOURCES + DATASET + "models:\n  m:\n    sql: models/t.sql\n";
    assertError(
        model
            + "    incremental: {changes_of: transformed.transactions, partition: transaction_date}\n",
        "p.yaml: models.m.partition_by: an incremental model needs exactly one partition column (the"
            + " one incremental.partition computes), got []. Set partition_by: [<column>]");
    assertError(
        model
            + "    partition_by: [d]\n    incremental: {changes_of: transactions, partition: d}\n",
        "p.yaml: models.m.incremental.changes_of: 'transactions' is not a zone.table name. For"
            + " example transformed.payments");
    assertError(
        model + "    partition_by: [d]\n    incremental: {changes_of: transformed.transactions}\n",
        "p.yaml: models.m.incremental.partition: missing. Add partition: a SQL expression over a row of"
            + " transformed.transactions giving the partition it touches, for example"
            + " to_date(payment_time); or key: a column of transformed.transactions and of the model"
            + " whose rows depend only on that key's rows");

    assertThat(
            parse(
                    model
                        + "    incremental: {changes_of: transformed.transactions, key: customer_id}\n")
                .models()
                .get(0)
                .incremental())
        .as("by key: no partitioning needed")
        .contains(ModelDef.Incremental.byKey("transformed.transactions", "customer_id"));
    assertError(
        model
            + "    partition_by: [d]\n"
            + "    incremental: {changes_of: transformed.transactions, partition: d, key: k}\n",
        "p.yaml: models.m.incremental: set either partition (recompute the partitions changed rows"
            + " touch) or key (recompute the keys changed rows carry), not both");
    assertError(
        model + "    incremental: {changes_of: transformed.transactions, key: \"a-b\"}\n",
        "p.yaml: models.m.incremental.key: 'a-b' is not a column name. For example customer_id");
  }

  @Test
  void reportsTheFirstMistakeOfEverySourceDatasetAndModelAtOnce() {
    assertError(
        """
        sources:
          p: {kind: firehose, path: a}
          q: {kind: dms, path: b}
          r: {kind: csv-files}
        datasets:
          p:
            source: p
            columns: {id: {type: integer}}
          q:
            source: q
            key: [id]
            columns: {id: int}
        models:
          m: {sql: models/t.sql, zone: gold}
          q: {sql: models/t.sql, zone: transformed}
        """,
        "p.yaml: 5 problems:\n"
            + "  sources.p.kind: unknown kind 'firehose'. Use one of firehose-json, dms, csv-files\n"
            + "  sources.r.path: missing. Add path: a folder relative to the raw root\n"
            + "  datasets.p.columns.id.type: unknown type 'integer'. Use one of string, int, long,"
            + " double, boolean, date, timestamp, decimal(precision,scale)\n"
            + "  models.m.zone: unknown zone 'gold'. Use transformed or curated\n"
            + "  models.q: table transformed.q is already defined by a dataset. Rename the model");
  }

  @Test
  void readsMaintenanceAndItsDefaults() {
    String sources = "sources:\n  p: {kind: dms, path: a}\n";
    assertThat(parse(sources).maintenance()).isEqualTo(new Maintenance(24, 7, 128L * 1024 * 1024));
    assertThat(
            parse(sources + "maintenance: {keep_runs: 3, keep_days: 0, target_file_size: 64kb}\n")
                .maintenance())
        .isEqualTo(new Maintenance(3, 0, 64 * 1024));
    assertThat(parse(sources + "maintenance: {target_file_size: 1000}\n").maintenance())
        .isEqualTo(new Maintenance(24, 7, 1000));
    assertError(
        sources + "maintenance: {keep_runs: 0}\n",
        "p.yaml: maintenance.keep_runs: expected a whole number of at least 1, found 0");
    assertError(
        sources + "maintenance: {keep_days: 1.5}\n",
        "p.yaml: maintenance.keep_days: expected a whole number of at least 0, found 1.5");
    assertError(
        sources + "maintenance: {target_file_size: 12 parsecs}\n",
        "p.yaml: maintenance.target_file_size: '12 parsecs' is not a size. Write a number of"
            + " bytes, or with KB, MB or GB: 128MB");
    assertError(
        sources + "maintenance: {keep: 3}\n",
        "p.yaml: maintenance.keep: unknown key. Allowed here: keep_days, keep_runs,"
            + " target_file_size");
  }

  @Test
  void reportsUnknownSourceKind() {
    assertError(
        "sources:\n  p: {kind: firehose, path: a}\n",
        "p.yaml: sources.p.kind: unknown kind 'firehose'. Use one of firehose-json, dms, csv-files");
  }

  @Test
  void reportsUnknownKeyWithTheAllowedOnes() {
    assertError(
        "sources:\n  p: {kind: dms, path: a, paht: b}\n",
        "p.yaml: sources.p.paht: unknown key. Allowed here: columns, date_format, delimiter,"
            + " description, encoding, escape, format, header, include_op_for_full_load, kind,"
            + " null_value, on_error, owner, path, quote, tags, timestamp_column,"
            + " timestamp_format");
  }

  @Test
  void reportsMissingSources() {
    assertError(
        "datasets: {}\n", "p.yaml: sources: missing. Declare at least one source (kind and path)");
  }

  @Test
  void reportsAbsoluteOrEscapingPaths() {
    assertError(
        "sources:\n  p: {kind: dms, path: ../x}\n",
        "p.yaml: sources.p.path: '../x' must be relative to the raw root, with '/' separators and no '..'."
            + " For example streaming/payments");
  }

  @Test
  void reportsUnknownType() {
    assertError(
        SOURCES + DATASET.replace("amount: decimal(12,2)", "amount: decimal(12)"),
        "p.yaml: datasets.transactions.columns.amount: unknown type 'decimal(12)'. Use one of string, int,"
            + " long, double, boolean, date, timestamp, decimal(precision,scale)");
  }

  @Test
  void reportsUnknownKeyColumn() {
    assertError(
        SOURCES + DATASET.replace("key: [transaction_id]", "key: [txn_id]"),
        "p.yaml: datasets.transactions.key: unknown column 'txn_id'. Use one of the names under"
            + " datasets.transactions.columns");
  }

  @Test
  void reportsUnknownDatasetSource() {
    assertError(
        SOURCES + DATASET.replace("source: transactions", "source: txns"),
        "p.yaml: datasets.transactions.source: unknown source 'txns'. Use one of the names under 'sources':"
            + " payments, transactions");
  }

  @Test
  void reportsAFormatOnANonDateColumn() {
    assertError(
        SOURCES + DATASET.replace("{type: string, nullable: false}", "{type: string, format: x}"),
        "p.yaml: datasets.transactions.columns.transaction_id.format: only date and timestamp columns take a"
            + " format. Remove it");
  }

  @Test
  void reportsANonBooleanNullable() {
    assertError(
        SOURCES + DATASET.replace("nullable: false", "nullable: no way"),
        "p.yaml: datasets.transactions.columns.transaction_id.nullable: 'no way' is not a boolean. Use true or"
            + " false");
  }

  @Test
  void reportsAMissingModelFile() {
    assertError(
        SOURCES + "models:\n  m: {sql: models/m.sql}\n",
        "p.yaml: models.m.sql: file 'models/m.sql' not found (relative to the definition). Create it or fix the"
            + " path");
  }

  @Test
  void reportsAModelNamedLikeADataset() {
    assertError(
        SOURCES + DATASET + "models:\n  transactions: {zone: transformed, sql: models/t.sql}\n",
        "p.yaml: models.transactions: table transformed.transactions is already defined by a dataset. Rename"
            + " the model");
  }

  @Test
  void reportsBadNames() {
    assertError(
        "sources:\n  Payments: {kind: dms, path: a}\n",
        "p.yaml: sources.Payments: 'Payments' is not a valid name. Use snake_case: lower-case letters, digits"
            + " and '_', starting with a letter");
  }

  @Test
  void reportsSourceSettingsThatDoNotFitTheKind() {
    assertError(
        "sources:\n  t: {kind: csv-files, path: f, format: parquet}\n",
        "p.yaml: sources.t.format: 'parquet' is not a format of csv-files sources. Use csv");
    assertError(
        "sources:\n  t: {kind: csv-files, path: f, include_op_for_full_load: true}\n",
        "p.yaml: sources.t.include_op_for_full_load: only dms sources take this setting. Remove it");
    assertError(
        "sources:\n  t: {kind: dms, path: f, format: parquet, delimiter: \";\"}\n",
        "p.yaml: sources.t.delimiter: only sources in CSV format take this setting. Remove it");
    assertError(
        "sources:\n  t: {kind: csv-files, path: f, delimiter: ab}\n",
        "p.yaml: sources.t.delimiter: 'ab' is not one character. Quote it, for example \"|\" or"
            + " \"\\t\"");
    assertError(
        "sources:\n  t: {kind: csv-files, path: f, encoding: klingon}\n",
        "p.yaml: sources.t.encoding: unknown character set 'klingon'. Use for example UTF-8,"
            + " ISO-8859-1 or windows-1252");
    assertError(
        "sources:\n  t: {kind: csv-files, path: f, on_error: ignore}\n",
        "p.yaml: sources.t.on_error: unknown value 'ignore'. Use quarantine or fail");
    assertError(
        "sources:\n  t: {kind: csv-files, path: f}\n"
            + "datasets:\n  t: {on_new_columns: keep, columns: {a: string}}\n",
        "p.yaml: datasets.t.on_new_columns: unknown value 'keep'. Use ignore, add or fail");
    assertError(
        "sources:\n  t: {kind: dms, path: f, header: false}\n",
        "p.yaml: sources.t.columns: missing. A source whose files have no header row needs its"
            + " column order: list the raw column names in file order");
  }

  @Test
  void aHeaderlessSourceTakesItsColumnsFromItsDatasetAndFormatsDefaultFromTheSource() {
    PipelineDefinition d =
        parse(
            """
            sources:
              t: {kind: dms, path: f, header: false, date_format: d/M/yyyy, null_value: '\\N'}
            datasets:
              t:
                columns:
                  id: {from: ID, type: int}
                  day: {from: DAY, type: date}
                  other: {from: X, type: date, format: yyyyMMdd}
            """);
    SourceDef t = d.sources().get(0);
    assertThat(t.csv().columns()).containsExactly("ID", "DAY", "X");
    assertThat(t.csv().nullValue()).isEqualTo("\\N");
    assertThat(d.datasets().get(0).columns())
        .extracting(c -> c.format().orElse("-"))
        .containsExactly("-", "d/M/yyyy", "yyyyMMdd");
  }

  @Test
  void reportsYamlSyntaxWithItsLine() {
    assertThatThrownBy(() -> parse("sources:\n  p: {kind: dms\n"))
        .isInstanceOf(DefinitionException.class)
        .hasMessage(
            "p.yaml: not valid YAML at line 2, column 16: while parsing a flow mapping; expected ',' or '}',"
                + " but got <stream end>. Fix the YAML syntax");
  }

  @Test
  void aKeyDeclaredTwiceIsAnErrorNamingBothLines() {
    assertThatThrownBy(() -> parse(T + "  t:\n    key: [b]\n    columns: {b: string}\n"))
        .isInstanceOf(DefinitionException.class)
        .hasMessage(
            "p.yaml: datasets.t: declared twice, at line 5 and at line 8 (YAML would keep only the"
                + " second). Remove or rename one");
    assertThatThrownBy(
            () ->
                parse(
                    "sources:\n  t: {kind: csv-files, path: f, path: g}\ndatasets:\n  t:\n"
                        + "    quality:\n      - {rule: unique, column: a, action: warn}\n"
                        + "      - {rule: unique, column: a, column: b, action: warn}\n"))
        .hasMessageStartingWith("p.yaml: sources.t.path: declared twice, at line 2 and at line 2");
    assertThatThrownBy(
            () ->
                parse(
                    "sources:\n  t: {kind: csv-files, path: f}\ndatasets:\n  t:\n"
                        + "    quality:\n      - {rule: unique, column: a, action: warn}\n"
                        + "      - {rule: unique, column: a, column: b, action: warn}\n"))
        .hasMessageStartingWith(
            "p.yaml: datasets.t.quality[1].column: declared twice, at line 7 and at line 7");
  }

  @Test
  void reportsAMissingFile() {
    assertThatThrownBy(() -> Definitions.load(java.nio.file.Path.of("no/such/pipeline.yaml")))
        .isInstanceOf(DefinitionException.class)
        .hasMessage(
            "no/such/pipeline.yaml: file not found. Pass --definition with the path of a pipeline.yaml");
  }

  private static final String T =
      "sources:\n  t: {kind: csv-files, path: f}\n  u: {kind: csv-files, path: g}\n"
          + "datasets:\n  t:\n    key: [a]\n    columns: {a: int, b: string}\n";

  @Test
  void readsContractsOrderingHistoryPiiAndQualityRules() {
    PipelineDefinition d =
        parse(
            "sources:\n  t: {kind: csv-files, path: f}\n  u: {kind: csv-files, path: g}\n"
                + "datasets:\n"
                + "  t:\n    key: [a]\n    ordering: [ts]\n    history: scd2\n"
                + "    columns:\n      a: int\n      ts: timestamp\n"
                + "      phone: {type: string, pii: phone}\n"
                + "    quality:\n"
                + "      - {rule: range, column: a, min: 1, action: quarantine}\n"
                + "      - {rule: references, column: a, to: u.id, action: warn}\n"
                + "      - {rule: freshness, column: ts, max_age: 36h, action: fail}\n"
                + "      - {rule: unique, columns: [a, phone], action: warn}\n"
                + "  u:\n    columns: {id: int}\n");

    // u first: t's references rule reads it.
    assertThat(d.datasets()).extracting(DatasetDef::name).containsExactly("u", "t");
    DatasetDef t = d.datasets().get(1);
    assertThat(t.ordering()).containsExactly("ts");
    assertThat(t.history()).isEqualTo(DatasetDef.History.SCD2);
    assertThat(t.columns().get(2).pii()).contains(Pii.PHONE);
    assertThat(t.quality())
        .extracting(QualityRule::label, r -> r.action().name())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("range(a)", "QUARANTINE"),
            org.assertj.core.groups.Tuple.tuple("references(a)", "WARN"),
            org.assertj.core.groups.Tuple.tuple("freshness(ts)", "FAIL"),
            org.assertj.core.groups.Tuple.tuple("unique(a, phone)", "WARN"));
    assertThat(((QualityRule.Freshness) t.quality().get(2)).maxAge())
        .isEqualTo(java.time.Duration.ofHours(36));
  }

  @Test
  void maxQuarantinedAllowsAShareOrANumberOfRowsAndByDefaultAnyButAll() {
    QualityRule.MaxQuarantined byDefault = QualityRule.MaxQuarantined.DEFAULT;
    assertThat(byDefault.exceeded(0, 0)).isFalse();
    assertThat(byDefault.exceeded(3, 2)).isFalse();
    assertThat(byDefault.exceeded(3, 3)).isTrue();
    QualityRule.MaxQuarantined share =
        new QualityRule.MaxQuarantined("10%", QualityRule.Action.FAIL);
    assertThat(share.exceeded(100, 10)).isFalse();
    assertThat(share.exceeded(100, 11)).isTrue();
    assertThat(share.exceeded(3, 1)).isTrue(); // 33 %
    QualityRule.MaxQuarantined half =
        new QualityRule.MaxQuarantined("0.5%", QualityRule.Action.WARN);
    assertThat(half.exceeded(1000, 5)).isFalse();
    assertThat(half.exceeded(1000, 6)).isTrue();
    QualityRule.MaxQuarantined rows = new QualityRule.MaxQuarantined("25", QualityRule.Action.FAIL);
    assertThat(rows.exceeded(1000, 25)).isFalse();
    assertThat(rows.exceeded(1000, 26)).isTrue();
    assertThat(new QualityRule.MaxQuarantined("100%", QualityRule.Action.FAIL).exceeded(7, 7))
        .isFalse();
    assertThat(
            Definitions.parse(
                    "p.yaml",
                    T + "    quality:\n      - {rule: max_quarantined, max: 10%, action: warn}\n",
                    f -> null)
                .datasets()
                .get(0)
                .quality())
        .containsExactly(new QualityRule.MaxQuarantined("10%", QualityRule.Action.WARN));
  }

  @Test
  void reportsContractMistakes() {
    assertError(
        T + "    quality:\n      - {rule: sometimes, column: a, action: warn}\n",
        "p.yaml: datasets.t.quality[0].rule: unknown value 'sometimes'. Use not_null, range, regex,"
            + " allowed_values, references, expect, unique, freshness, min_rows or"
            + " max_quarantined");
    assertError(
        T + "    quality:\n      - {rule: expect, name: positive, action: warn}\n",
        "p.yaml: datasets.t.quality[0].expression: missing. Add expression: a SQL boolean"
            + " expression each row must not make false, for example amount > 0");
    assertError(
        T
            + "    quality:\n      - {rule: expect, name: Positive, expression: a > 0, action: warn}\n",
        "p.yaml: datasets.t.quality[0].name: 'Positive' is not a valid name. Use snake_case:"
            + " lower-case letters, digits and '_', starting with a letter");
    assertError(
        SOURCES
            + "models:\n  m:\n    sql: models/t.sql\n    quality:\n"
            + "      - {rule: references, column: a, to: t.a, action: warn}\n",
        "p.yaml: models.m.quality[0].rule: references checks a dataset's column against another"
            + " dataset; a model checks its rows with expect, for example {rule: expect, name:"
            + " known_customer, expression: \"customer_id IS NOT NULL\", action: warn}");
    assertError(
        T + "    quality:\n      - {rule: not_null, column: a}\n",
        "p.yaml: datasets.t.quality[0].action: missing. Add action: warn, quarantine or fail");
    assertError(
        T + "    quality:\n      - {rule: min_rows, count: 5, action: quarantine}\n",
        "p.yaml: datasets.t.quality[0].action: min_rows judges the whole table, so it cannot"
            + " quarantine rows. Use warn or fail");
    assertError(
        T + "    quality:\n      - {rule: max_quarantined, max: 10%, action: quarantine}\n",
        "p.yaml: datasets.t.quality[0].action: max_quarantined judges the rows a run reads, so it"
            + " cannot quarantine rows. Use warn or fail");
    assertError(
        T + "    quality:\n      - {rule: max_quarantined, max: most, action: fail}\n",
        "p.yaml: datasets.t.quality[0].max: 'most' is neither a share such as 10% nor a number of"
            + " rows such as 25");
    assertError(
        T
            + "    quality:\n      - {rule: max_quarantined, max: 10%, action: fail}\n"
            + "      - {rule: max_quarantined, max: 5, action: warn}\n",
        "p.yaml: datasets.t.quality[1]: a second max_quarantined rule. Keep one");
    assertError(
        T + "    quality:\n      - {rule: range, column: c, min: 0, action: warn}\n",
        "p.yaml: datasets.t.quality[0].column: unknown column 'c'. Use one of the names under"
            + " datasets.t.columns");
    assertError(
        T + "    quality:\n      - {rule: range, column: a, action: warn}\n",
        "p.yaml: datasets.t.quality[0].min: missing. Add min: the least allowed value (and/or max:"
            + " the greatest)");
    assertError(
        T + "    quality:\n      - {rule: regex, column: b, pattern: \"[a-\", action: warn}\n",
        "p.yaml: datasets.t.quality[0].pattern: not a valid regular expression: Illegal character"
            + " range");
    assertError(
        T + "    quality:\n      - {rule: freshness, column: a, max_age: soon, action: warn}\n",
        "p.yaml: datasets.t.quality[0].max_age: 'soon' is not a duration. Write a number and d, h,"
            + " m or s: 36h");
    assertError(
        T + "    quality:\n      - {rule: references, column: a, to: v.id, action: warn}\n",
        "p.yaml: datasets.t.quality[0].to: unknown dataset 'v'. Use one of the names under"
            + " 'datasets': t");
    assertError(
        T
            + "    quality:\n      - {rule: references, column: a, to: u.a, action: warn}\n"
            + "  u:\n    columns: {a: int}\n"
            + "    quality:\n      - {rule: references, column: a, to: t.a, action: warn}\n",
        "p.yaml: datasets.t.quality: references rules form a cycle: t -> u -> t. Remove one of the"
            + " references rules");
    assertError(
        "sources:\n  t: {kind: csv-files, path: f}\n"
            + "datasets:\n  t:\n    history: scd2\n    columns: {a: int}\n",
        "p.yaml: datasets.t.history: scd2 keeps the versions of each key, but the dataset has no"
            + " key. Add key");
    assertError(
        T.replace("b: string", "b: {type: string, pii: shoe_size}"),
        "p.yaml: datasets.t.columns.b.pii: unknown value 'shoe_size'. Use name, phone, address,"
            + " email, ipv4 or account_number");
  }
}
