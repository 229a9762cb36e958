package dev.dpf.core.internal.stage.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.RawRoot;
import dev.dpf.core.internal.stage.Decision;
import dev.dpf.core.internal.system.IngestLog;
import dev.dpf.core.internal.system.IngestState;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.SourceKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A source's ingest decision from the log's facts alone: no session, no file read. Each expected
 * decision is the rule written out by hand.
 */
class IngestDecisionTest {
  private static final SourceDef SOURCE = new SourceDef("t", SourceKind.CSV_FILES, "files/t");
  private static final RawRoot.RawFile A = new RawRoot.RawFile("files/t/a.csv", "u:a", 10, 1);
  private static final RawRoot.RawFile B = new RawRoot.RawFile("files/t/b.csv", "u:b", 20, 2);
  private static final RawRoot.RawFile A_AGAIN =
      new RawRoot.RawFile("files/t/a.csv", "u:a", 10, 9); // the same key, a later delivery

  /**
   * Facts as given; {@code listing} null: the decision must not ask the log by listing; {@code
   * unchanged} null: it must not read files to compare them.
   */
  private record Known(Boolean listing, IngestState state, Map<RawRoot.RawFile, String> unchanged)
      implements Ingest.Facts {
    @Override
    public boolean allIngested(List<RawRoot.RawFile> listed) {
      if (listing == null) {
        throw new AssertionError("asked the log by listing");
      }
      return listing;
    }

    @Override
    public IngestState state() {
      if (state == null) {
        throw new AssertionError("read the ingest log");
      }
      return state;
    }

    @Override
    public Map<RawRoot.RawFile, String> unchanged(IngestState state, List<RawRoot.RawFile> fresh) {
      if (unchanged == null) {
        throw new AssertionError("read files to compare them");
      }
      return unchanged;
    }

    @Override
    public String noRawData() {
      return "no raw data under files/t/";
    }
  }

  private static IngestState ingested(RawRoot.RawFile... files) {
    Set<IngestLog.FileId> ids =
        java.util.Arrays.stream(files)
            .map(f -> new IngestLog.FileId(f.key(), f.size(), f.modified()))
            .collect(java.util.stream.Collectors.toSet());
    return new IngestState(ids, Map.of(), 3, Optional.empty());
  }

  private static String decided(boolean again, List<RawRoot.RawFile> listed, Known facts) {
    Decision d = Ingest.decide(SOURCE, again, listed, facts);
    return d.action() + ": " + d.why();
  }

  @Test
  void filesTheLogHasAreUpToDateFromTheListingAlone() {
    assertThat(decided(false, List.of(A, B), new Known(true, null, null)))
        .isEqualTo("UP_TO_DATE: 2 file(s) already ingested");
  }

  @Test
  void newFilesAreIngestedAndFilesDeliveredAgainUnchangedAreNot() {
    assertThat(decided(false, List.of(A, B), new Known(false, ingested(A), Map.of())))
        .isEqualTo("INGEST: 1 new or changed raw file(s), 20 bytes");
    assertThat(
            decided(false, List.of(A_AGAIN), new Known(false, ingested(A), Map.of(A_AGAIN, "h"))))
        .isEqualTo(
            "UP_TO_DATE: 0 file(s) already ingested; 1 file(s) delivered again unchanged, not read"
                + " again");
  }

  @Test
  void anInterruptedBatchIsResumedFirst() {
    IngestLog.Batch pending = new IngestLog.Batch(4, "r7", Instant.EPOCH, List.of(B));
    IngestState state = new IngestState(Set.of(), Map.of(), 3, Optional.of(pending));
    assertThat(decided(false, List.of(A, B), new Known(false, state, null)))
        .isEqualTo("RESUME: interrupted batch 4 of run r7, 1 file(s)");
    assertThat(decided(true, List.of(A, B), new Known(null, state, null)))
        .isEqualTo("RESUME: interrupted batch 4 of run r7, 1 file(s)");
  }

  @Test
  void aReingestReadsEveryFileAndNeedsOne() {
    assertThat(decided(true, List.of(A, B), new Known(null, ingested(A, B), null)))
        .isEqualTo(
            "REINGEST: all 2 raw file(s), 30 bytes, read again; they replace the table's rows");
    assertThatThrownBy(() -> decided(true, List.of(), new Known(null, IngestState.EMPTY, null)))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Cannot re-ingest source 't': there are no raw files under files/t/. consolidated.t is"
                + " kept as it is");
  }

  @Test
  void noFileIsSkippedWithWhy() {
    assertThat(decided(false, List.of(), new Known(null, IngestState.EMPTY, null)))
        .isEqualTo("SKIP: no raw data under files/t/");
  }
}
