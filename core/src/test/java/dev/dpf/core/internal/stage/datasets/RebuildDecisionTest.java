package dev.dpf.core.internal.stage.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.api.Planned;
import dev.dpf.core.internal.stage.Decision;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A dataset's decision from its facts alone: no session, no Delta table. The expected decisions are
 * the rules of the transform written out by hand, one case each.
 */
class RebuildDecisionTest {
  private static final String SOURCE = "consolidated.orders";

  /**
   * Facts as given; a fact given as null is one the decision must not ask for (asking fails the
   * test): an up-to-date dataset is decided without reading its tables.
   */
  private record Known(
      Boolean input,
      Boolean table,
      Optional<Long> unchanged,
      Optional<Long> applied,
      Long batch,
      String reason,
      boolean reasonAsked)
      implements RebuildDecision.Facts {
    @Override
    public boolean hasInput() {
      return asked(input, "hasInput");
    }

    @Override
    public boolean hasTable() {
      return asked(table, "hasTable");
    }

    @Override
    public Optional<Long> unchangedSince() {
      return asked(unchanged, "unchangedSince");
    }

    @Override
    public Optional<Long> lastApplied() {
      return asked(applied, "lastApplied");
    }

    @Override
    public long lastBatch() {
      return asked(batch, "lastBatch");
    }

    @Override
    public String rebuildReason() {
      if (!reasonAsked) {
        throw new AssertionError("read the tables for rebuildReason");
      }
      return reason;
    }

    private static <T> T asked(T fact, String name) {
      if (fact == null) {
        throw new AssertionError("asked for " + name);
      }
      return fact;
    }
  }

  /** A dataset with both tables, logged at batch {@code applied}, its source at {@code batch}. */
  private static Known logged(long applied, long batch, Optional<Long> unchanged, String rebuild) {
    return new Known(
        true, true, unchanged, Optional.of(applied), batch, rebuild, /* reasonAsked= */ true);
  }

  private static String decided(Known facts, Planned.Action sourceAction, boolean fullRefresh) {
    Decision d = RebuildDecision.decide(SOURCE, facts, sourceAction, fullRefresh);
    return d.action() + ": " + d.why();
  }

  @Test
  void noConsolidatedTableAndNothingToIngestIsSkipped() {
    Known none = new Known(false, null, null, null, null, null, false);
    assertThat(decided(none, null, false))
        .isEqualTo("SKIP: consolidated.orders does not exist (nothing ingested)");
  }

  @Test
  void aMissingTableAFullRefreshAndAReingestRebuild() {
    Known noTable = new Known(true, false, null, null, null, null, false);
    assertThat(decided(noTable, null, false)).isEqualTo("REBUILD: first run");
    Known both = new Known(true, true, null, null, null, null, false);
    assertThat(decided(both, null, true)).isEqualTo("REBUILD: full refresh");
    assertThat(decided(both, Planned.Action.REINGEST, false))
        .isEqualTo("REBUILD: consolidated.orders is re-ingested first");
  }

  @Test
  void upToDateByTheLogsReadsNoTable() {
    Known byLogs = new Known(true, true, Optional.of(7L), null, null, null, false);
    assertThat(decided(byLogs, null, false))
        .isEqualTo("UP_TO_DATE: no consolidated.orders rows after ingest batch 7");
  }

  @Test
  void newBatchesMergeOnesAppliedAreUpToDateAndAReasonRebuilds() {
    assertThat(decided(logged(4, 9, Optional.empty(), null), null, false))
        .isEqualTo("MERGE: ingest batches 5..9 of consolidated.orders");
    assertThat(decided(logged(9, 9, Optional.empty(), null), null, false))
        .isEqualTo("UP_TO_DATE: no consolidated.orders rows after ingest batch 9");
    assertThat(decided(logged(4, 9, Optional.empty(), "definition changed"), null, false))
        .isEqualTo("REBUILD: definition changed");
  }

  @Test
  void batchesThisRunIngestsMergeUnlessTheTablesSayRebuild() {
    String merge =
        "MERGE: the batches this run ingests into consolidated.orders (rebuilt instead if they"
            + " bring new columns or a DMS reload)";
    // The consolidated table is made by this run's ingest: nothing to read yet.
    Known first = new Known(false, true, null, null, null, null, false);
    assertThat(decided(first, Planned.Action.INGEST, false)).isEqualTo(merge);
    assertThat(decided(logged(9, 9, Optional.empty(), null), Planned.Action.INGEST, false))
        .isEqualTo(merge);
    assertThat(
            decided(
                logged(9, 9, Optional.empty(), "no history table"), Planned.Action.RESUME, false))
        .isEqualTo("REBUILD: no history table");
  }
}
