package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import org.junit.jupiter.api.Test;

/** The reconciliation check itself: a balance passes, any difference stops the run. */
class ReconcileTest {
  @Test
  void aMismatchStopsTheRunWithTheNumbers() {
    assertThatCode(() -> StageLog.reconcile("transformed.c", 10, 7, 1, 2))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> StageLog.reconcile("transformed.c", 10, 7, 1, 1))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Reconciliation failed for transformed.c: read 10 row(s) but wrote 7, quarantined 1"
                + " and superseded 1 (difference 1). No rows may be lost; report this as a bug");
    assertThatThrownBy(() -> StageLog.reconcile("transformed.c", 10, 9, 1, 1))
        .hasMessageContaining("(difference -1)");
  }
}
