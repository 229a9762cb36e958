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
        ModelPlanner.decide(model, versions, recorded, Set.of("fp"), changing, fullRefresh);
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
        .isEqualTo("REBUILD: inputs change: transformed.payments");
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
        .endsWith("; not incremental: no incremental setting");
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
