package dev.dpf.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.DpfErrors;
import dev.dpf.core.DpfException;
import dev.dpf.definition.DefinitionException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import org.junit.jupiter.api.Test;

/** A failure's kind, as {@code --results} writes it, and the exit code that follows it. */
class ExitTest {
  private static String kind(Throwable failure) {
    return Exit.kind(failure).label();
  }

  @Test
  void eachFailureHasAKindAndOnlyAnUnexpectedOneExitsWithThree() {
    assertThat(kind(new DpfException("no raw root at raw/"))).isEqualTo("input");
    assertThat(kind(new DefinitionException("pipeline.yaml", "sources.a", "no kind")))
        .isEqualTo("definition");
    assertThat(kind(DpfErrors.lakeInUse("/lake", "dpf run (pid 7)"))).isEqualTo("lake_in_use");
    assertThat(kind(DpfErrors.reconciliation("transformed.t", 5, 3, 1, 0)))
        .isEqualTo("reconciliation");
    assertThat(kind(DpfErrors.unknownTable("Model 'm' (m.sql)", "curated.x", "")))
        .isEqualTo("definition");
    assertThat(kind(new DpfException(DpfException.Kind.QUALITY, "Quality rule failed")))
        .isEqualTo("quality");
    // Found among the causes, as the command line finds what to print.
    assertThat(
            kind(new IllegalStateException("curated.m failed", DpfErrors.lakeInUse("/lake", ""))))
        .isEqualTo("lake_in_use");
    assertThat(kind(new UncheckedIOException(new AccessDeniedException("/lake/_system/runs"))))
        .isEqualTo("input");
    assertThat(kind(new IllegalStateException("a bug"))).isEqualTo("internal");

    assertThat(Exit.code(DpfException.Kind.INTERNAL)).isEqualTo(3);
    for (DpfException.Kind k : DpfException.Kind.values()) {
      if (k != DpfException.Kind.INTERNAL) {
        assertThat(Exit.code(k)).as(k.label()).isEqualTo(1);
      }
    }
    assertThat(DpfErrors.lakeInUse("/lake", " ").getMessage())
        .isEqualTo(
            "The lake at /lake is in use by another process. One dpf process at a time may write"
                + " a lake: wait until it ends, then run again");
  }
}
