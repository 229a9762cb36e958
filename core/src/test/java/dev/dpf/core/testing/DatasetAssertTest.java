package dev.dpf.core.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetAssertTest {
  @Test
  void acceptsTheSameRowsInAnyOrder() {
    assertThatCode(
            () -> DatasetAssert.diff(List.of("a|1", "b|2", "a|1"), List.of("b|2", "a|1", "a|1")))
        .doesNotThrowAnyException();
  }

  @Test
  void listsMissingAndUnexpectedRowsCountingDuplicates() {
    assertThatThrownBy(
            () -> DatasetAssert.diff(List.of("a|1", "a|1", "b|2"), List.of("a|1", "c|3", "b|2")))
        .hasMessage(
            "rows differ: expected 3, got 3\n  missing (1):\n    - a|1\n  unexpected (1):\n    + c|3");
  }
}
