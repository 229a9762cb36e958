package dev.dpf.core.internal.stage.models;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dpf.core.internal.stage.Decision;
import dev.dpf.definition.ModelDef;
import dev.dpf.definition.Zone;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A model's decision from metadata alone (its inputs' versions, what its last write recorded, its
 * fingerprints): no session, no Delta table. Each expected decision is the rule written out by
 * hand.
 */
class ModelDecisionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FACT = "transformed.payments";
  private static final String DIM = "transformed.customers";
  private static final ModelDef PLAIN =
      new ModelDef("m", Zone.CURATED, "models/m.sql", "SELECT 1", List.of());
  private static final ModelDef BY_DAY =
      new ModelDef(
          "daily",
          Zone.CURATED,
          "models/daily.sql",
          "SELECT 1",
          List.of("day"),
          List.of(),
          Optional.of(ModelDef.Incremental.byPartition(FACT, "day")),
          List.of());

  private static Map<String, Long> versions(long fact, long dim) {
    Map<String, Long> v = new TreeMap<>();
    v.put(FACT, fact);
    v.put(DIM, dim);
    return v;
  }

  /** What a write made from fingerprint {@code fp} and these input versions recorded. */
  private static ModelPlanner.Recorded wrote(String fp, long fact, long dim) throws Exception {
    return new ModelPlanner.Recorded(
        true,
        JSON.readTree(
            "{\"model\":\""
                + fp
                + "\",\"inputs\":{\""
                + FACT
                + "\":"
                + fact
                + ",\""
                + DIM
                + "\":"
                + dim
                + "}}"));
  }

  private static String decided(
      ModelDef model,
      Map<String, Long> versions,
      ModelPlanner.Recorded recorded,
      Set<String> changing,
      boolean fullRefresh) {
    Decision d =
        ModelPlanner.decide(
            model, versions, recorded, Set.of("fp"), c -> Optional.empty(), changing, fullRefresh);
    String range =
        d instanceof Decision.Recompute r
            ? " [" + r.fact() + " " + r.since() + ".." + r.to() + "]"
            : "";
    return d.action() + ": " + d.why() + range;
  }

  @Test
  void aMissingInputSkipsUnlessThisRunMakesIt() throws Exception {
    assertThat(decided(PLAIN, versions(-1, 3), wrote("fp", 1, 3), Set.of(), false))
        .isEqualTo("SKIP: needs transformed.payments");
    assertThat(decided(PLAIN, versions(-1, 3), wrote("fp", 1, 3), Set.of(FACT), false))
        .isEqualTo(
            "REBUILD: inputs change: transformed.payments; not incremental: no column of its rows"
                + " follows the rows of transformed.payments");
  }

  @Test
  void noTableAFullRefreshNoRecordAndAChangedDefinitionRebuild() throws Exception {
    assertThat(
            decided(PLAIN, versions(2, 3), new ModelPlanner.Recorded(false, null), Set.of(), false))
        .isEqualTo("REBUILD: first run");
    assertThat(decided(PLAIN, versions(2, 3), wrote("fp", 2, 3), Set.of(), true))
        .isEqualTo("REBUILD: full refresh");
    assertThat(
            decided(PLAIN, versions(2, 3), new ModelPlanner.Recorded(true, null), Set.of(), false))
        .isEqualTo("REBUILD: no record of its inputs");
    assertThat(decided(PLAIN, versions(2, 3), wrote("old", 2, 3), Set.of(), false))
        .isEqualTo("REBUILD: definition or SQL changed");
  }

  @Test
  void theSameVersionsAreUpToDate() throws Exception {
    assertThat(decided(BY_DAY, versions(2, 3), wrote("fp", 2, 3), Set.of(), false))
        .isEqualTo("UP_TO_DATE: inputs unchanged since the last run");
  }

  @Test
  void onlyTheFactChangedRecomputesItsVersionsAndAnythingElseRebuilds() throws Exception {
    assertThat(decided(BY_DAY, versions(5, 3), wrote("fp", 2, 3), Set.of(), false))
        .isEqualTo(
            "RECOMPUTE: the partitions that changed rows of transformed.payments touch"
                + " [transformed.payments 2..5]");
    assertThat(decided(BY_DAY, versions(5, 4), wrote("fp", 2, 3), Set.of(), false))
        .isEqualTo("REBUILD: transformed.customers changed: any partition may depend on it");
    assertThat(decided(BY_DAY, versions(1, 3), wrote("fp", 2, 3), Set.of(), false))
        .isEqualTo("REBUILD: transformed.payments was replaced");
    assertThat(decided(PLAIN, versions(5, 3), wrote("fp", 2, 3), Set.of(), false))
        .startsWith("REBUILD: inputs changed: ")
        .endsWith(
            "; not incremental: no column of its rows follows the rows of transformed.payments");
  }

  /** A key {@code column} found in the SQL, keying the rows by the payments and customers ids. */
  private static RowKeys.Key byCustomer() {
    return new RowKeys.Key("customer_id", Map.of(FACT, "customer_id", DIM, "`customer_id`"));
  }

  @Test
  void withoutASettingAKeyFoundInItsSqlRecomputesTheRowsOfEveryChangedInput() throws Exception {
    Decision d =
        ModelPlanner.decide(
            PLAIN,
            versions(5, 4),
            wrote("fp", 2, 3),
            Set.of("fp"),
            changed -> {
              assertThat(changed).containsExactlyInAnyOrder(FACT, DIM);
              return Optional.of(byCustomer());
            },
            Set.of(),
            false);
    assertThat(d).isInstanceOf(Decision.RecomputeKeys.class);
    Decision.RecomputeKeys k = (Decision.RecomputeKeys) d;
    assertThat(k.column()).isEqualTo("customer_id");
    assertThat(k.since()).isEqualTo(Map.of(FACT, 2L, DIM, 3L));
    assertThat(k.to()).isEqualTo(Map.of(FACT, 5L, DIM, 4L));
    assertThat(d.why())
        .isEqualTo(
            "the rows of the customer_id values that changed rows of transformed.customers,"
                + " transformed.payments touch (customer_id keys its rows, found in its SQL)");
    // Only the changed input is asked about; an input replaced (its version went back) rebuilds.
    Decision one =
        ModelPlanner.decide(
            PLAIN,
            versions(5, 3),
            wrote("fp", 2, 3),
            Set.of("fp"),
            changed -> {
              assertThat(changed).containsExactly(FACT);
              return Optional.of(byCustomer());
            },
            Set.of(),
            false);
    assertThat(((Decision.RecomputeKeys) one).since()).isEqualTo(Map.of(FACT, 2L));
    assertThat(
            ModelPlanner.decide(
                    PLAIN,
                    versions(1, 3),
                    wrote("fp", 2, 3),
                    Set.of("fp"),
                    changed -> Optional.of(byCustomer()),
                    Set.of(),
                    false)
                .why())
        .isEqualTo("transformed.payments was replaced");
  }

  @Test
  void keysReachingAQuarterOfALargeModelsRowsRebuildIt() {
    assertThat(ModelPlanner.costlierThanRebuild("customer_id", 2_499, 10_000)).isEmpty();
    assertThat(ModelPlanner.costlierThanRebuild("customer_id", 2_500, 10_000))
        .contains(
            "2,500 customer_id values touched, as many as a quarter or more of its 10,000 rows:"
                + " rebuilt whole");
    assertThat(ModelPlanner.costlierThanRebuild("customer_id", 41_000, 9_999)).isEmpty();
  }

  @Test
  void theKeyChosenIsTheChangedInputsDatasetKeyThenTheOneKeyingMostInputs() {
    RowKeys.Key payment = new RowKeys.Key("reference_id", Map.of(FACT, "payment_id"));
    RowKeys.Key day = new RowKeys.Key("day", Map.of(FACT, "to_date(payment_time)"));
    List<RowKeys.Key> keys = List.of(day, byCustomer(), payment);
    Map<String, String> tableKeys = Map.of(FACT, "payment_id", DIM, "customer_id");
    assertThat(ModelPlanner.choose(keys, Set.of(FACT), tableKeys)).contains(payment);
    assertThat(ModelPlanner.choose(keys, Set.of(DIM), tableKeys)).contains(byCustomer());
    assertThat(ModelPlanner.choose(keys, Set.of(FACT, DIM), tableKeys)).contains(byCustomer());
    assertThat(ModelPlanner.choose(List.of(day, byCustomer()), Set.of(FACT), Map.of()))
        .contains(byCustomer());
    assertThat(ModelPlanner.choose(List.of(day), Set.of(DIM), tableKeys)).isEmpty();
  }

  @Test
  void aFactThisRunWritesIsRecomputedOnceItIsWritten() throws Exception {
    assertThat(decided(BY_DAY, versions(2, 3), wrote("fp", 2, 3), Set.of(FACT), false))
        .isEqualTo(
            "RECOMPUTE: the partitions that changed rows of transformed.payments touch"
                + " [transformed.payments -1..-1]");
    assertThat(decided(BY_DAY, versions(2, 3), wrote("fp", 2, 3), Set.of(FACT, DIM), false))
        .isEqualTo("REBUILD: inputs change: transformed.customers, transformed.payments");
  }
}
