package dev.dpf.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.testing.Repo;
import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.Definitions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --select} and {@code --exclude} over the repository's definition. The expected tables are
 * read off src/pipeline.yaml and the models' SQL by hand: which source each dataset reads, which
 * datasets its references rules read, and which tables each model's FROM and JOIN name.
 */
class SelectionTest {
  private final Selection graph =
      Selection.of(
          SparkExtension.session(), Definitions.load(Repo.root().resolve("src/pipeline.yaml")));

  private List<String> choose(String select, String exclude) {
    return List.copyOf(
        graph.choose(
            select == null ? List.of() : List.of(select),
            exclude == null ? List.of() : List.of(exclude)));
  }

  @Test
  void aTagSelectsTheTablesTaggedSoAndTakesTheGraphOperators() {
    // src/pipeline.yaml tags: payments (the source), customers and payments (datasets),
    // customer_360 and risk_flags (models).
    assertThat(choose("tag:pii", null))
        .containsExactly("transformed.customers", "transformed.payments");
    assertThat(choose("tag:analytics", null))
        .containsExactly("curated.customer_360", "curated.risk_flags");
    assertThat(choose("tag:payments+", null))
        .containsExactly(
            "consolidated.payments",
            "transformed.payments",
            "transformed.customer_data",
            "curated.customer_data_usa",
            "curated.customer_360",
            "curated.daily_payments_by_country",
            "curated.risk_flags");
  }

  @Test
  void nothingSelectedIsEverything() {
    assertThat(choose(null, null))
        .containsExactly(
            "consolidated.payments",
            "consolidated.customers",
            "consolidated.orders",
            "consolidated.orderdetails",
            "consolidated.products",
            "consolidated.transactions",
            "transformed.customers",
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
  }

  @Test
  void aPlusBeforeAddsEverythingTheTableReads() {
    assertThat(choose("+curated.customer_360", null))
        .containsExactly(
            "consolidated.payments",
            "consolidated.customers",
            "consolidated.transactions",
            "transformed.customers",
            "transformed.payments",
            "transformed.transactions",
            "curated.customer_360");
    // order_lines' references rules read orders and products; orders' reads customers.
    assertThat(choose("+transformed.order_lines", null))
        .containsExactly(
            "consolidated.customers",
            "consolidated.orders",
            "consolidated.orderdetails",
            "consolidated.products",
            "transformed.customers",
            "transformed.products",
            "transformed.orders",
            "transformed.order_lines");
  }

  @Test
  void aPlusAfterAddsEverythingThatReadsIt() {
    assertThat(choose("source:payments+", null))
        .containsExactly(
            "consolidated.payments",
            "transformed.payments",
            "transformed.customer_data",
            "curated.customer_data_usa",
            "curated.customer_360",
            "curated.daily_payments_by_country",
            "curated.risk_flags");
    assertThat(choose("+customer_data_usa+", null))
        .containsExactly(
            "consolidated.payments",
            "consolidated.customers",
            "transformed.customers",
            "transformed.payments",
            "transformed.customer_data",
            "curated.customer_data_usa");
  }

  @Test
  void zonesSeveralSpecsAndExclusions() {
    assertThat(choose("zone:curated", "customer_360 risk_flags"))
        .containsExactly(
            "curated.customer_data_usa",
            "curated.transactions",
            "curated.daily_payments_by_country",
            "curated.revenue_by_productline_month");
    assertThat(choose("source:products customers_history  curated.transactions", null))
        .containsExactly("consolidated.products", "transformed.customers", "curated.transactions");
    // As in dbt, a comma intersects: the tables tagged both customer and analytics.
    assertThat(choose("tag:customer,tag:analytics", null)).containsExactly("curated.customer_360");
    assertThat(choose("tag:customer, tag:analytics zone:consolidated", null))
        .startsWith("consolidated.payments")
        .endsWith("curated.customer_360")
        .hasSize(7);
    assertThat(
            graph.contains(
                graph.choose(List.of("transformed.customers"), List.of()),
                "transformed.customers_history"))
        .isTrue();
  }

  @Test
  void aSpecThatSelectsNothingSaysWhy() {
    assertThatThrownBy(() -> choose("transactions", null))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "--select 'transactions' selects nothing: several tables are named 'transactions':"
                + " consolidated.transactions, curated.transactions, transformed.transactions."
                + " Name one with its zone");
    assertThatThrownBy(() -> choose("curated.customer_361", null))
        .hasMessage(
            "--select 'curated.customer_361' selects nothing: no table 'curated.customer_361' in"
                + " the definition. Did you mean 'curated.customer_360'?");
    assertThatThrownBy(() -> choose("custmer_360", null))
        .hasMessage(
            "--select 'custmer_360' selects nothing: no table 'custmer_360' in the definition."
                + " Did you mean 'customer_360'?");
    assertThatThrownBy(() -> choose("payments_by_day", null))
        .hasMessageStartingWith(
            "--select 'payments_by_day' selects nothing: no table 'payments_by_day' in the"
                + " definition. Tables: consolidated.payments, ")
        .hasMessageEndingWith(", transformed.customers_history");
    assertThatThrownBy(() -> choose(null, "source:payment"))
        .hasMessage(
            "--exclude 'source:payment' selects nothing: no source 'payment'. Did you mean"
                + " 'payments'? Sources: payments, customers, orders, orderdetails, products,"
                + " transactions");
    assertThatThrownBy(() -> choose("tag:finance", null))
        .hasMessage(
            "--select 'tag:finance' selects nothing: no table is tagged 'finance'. Tags:"
                + " analytics, customer, payments, pii");
  }

  @Test
  void dbtFormsItDoesNotHaveAreSaidToBeUnsupported() {
    assertThatThrownBy(() -> choose("2+customer_360", null))
        .hasMessage(
            "--select '2+customer_360' selects nothing: dbt's depth limit (2+x, x+1) is not"
                + " supported. Use +x (everything x reads) or x+ (everything that reads x)");
    assertThatThrownBy(() -> choose("@customer_360", null))
        .hasMessage(
            "--select '@customer_360' selects nothing: dbt's @ (a table, what reads it and what"
                + " those read) is not supported. Use +x+ or x+");
    assertThatThrownBy(() -> choose("curated.*", null))
        .hasMessage(
            "--select 'curated.*' selects nothing: wildcards are not supported. Use zone:ZONE for"
                + " a zone's tables, tag:NAME, or name the tables");
    assertThatThrownBy(() -> choose("state:modified", null))
        .hasMessage(
            "--select 'state:modified' selects nothing: dbt's method 'state:' is not supported."
                + " Use source:, zone:, tag: or a table name");
    assertThatThrownBy(() -> choose("sorce:payments", null))
        .hasMessage(
            "--select 'sorce:payments' selects nothing: unknown method 'sorce'. Did you mean"
                + " 'source'? Use source:, zone:, tag: or a table name");
  }
}
