package dev.dpf.core.internal.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import dev.dpf.core.testing.SparkExtension;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A stage over a small input interprets expressions; the session is as before once it ends. */
class CodegenTest {
  private final SparkSession spark = SparkExtension.session();
  private final SessionSetting wholeStage = SessionSetting.save(spark.conf(), Codegen.WHOLE_STAGE);
  private final SessionSetting factoryMode =
      SessionSetting.save(spark.conf(), Codegen.FACTORY_MODE);

  @AfterEach
  void restore() {
    spark.conf().unset(Codegen.THRESHOLD_CONF);
    wholeStage.restore();
    factoryMode.restore();
  }

  @Test
  void belowTheThresholdExpressionsAreInterpretedUntilTheStageEnds() {
    spark.conf().set(Codegen.WHOLE_STAGE, "true");
    spark.conf().unset(Codegen.FACTORY_MODE);
    spark.conf().set(Codegen.THRESHOLD_CONF, "1000");

    try (Codegen c = Codegen.forInput(spark, "test", 999)) {
      assertThat(spark.conf().get(Codegen.WHOLE_STAGE)).isEqualTo("false");
      assertThat(spark.conf().get(Codegen.FACTORY_MODE)).isEqualTo("NO_CODEGEN");
      assertThat(spark.sql("select sum(id * 2) from range(10)").head().getLong(0)).isEqualTo(90);
    }
    assertThat(spark.conf().get(Codegen.WHOLE_STAGE)).isEqualTo("true");
    assertThat(spark.conf().get(Codegen.FACTORY_MODE, null)).as("unset again").isNull();
  }

  @Test
  void atTheThresholdOrWhenTheSizeIsUnknownTheSessionsSettingsStand() {
    spark.conf().set(Codegen.WHOLE_STAGE, "true");
    spark.conf().set(Codegen.FACTORY_MODE, "FALLBACK");
    spark.conf().set(Codegen.THRESHOLD_CONF, "1000");
    for (long bytes : new long[] {1000, Long.MAX_VALUE}) {
      try (Codegen c = Codegen.forInput(spark, "test", bytes)) {
        assertThat(spark.conf().get(Codegen.WHOLE_STAGE)).isEqualTo("true");
        assertThat(spark.conf().get(Codegen.FACTORY_MODE)).isEqualTo("FALLBACK");
      }
    }
    spark.conf().set(Codegen.THRESHOLD_CONF, "0");
    try (Codegen c = Codegen.forInput(spark, "test", 0)) {
      assertThat(spark.conf().get(Codegen.FACTORY_MODE))
          .as("0 never interprets")
          .isEqualTo("FALLBACK");
    }
  }

  @Test
  void aThresholdThatIsNotABytesCountIsAnError() {
    spark.conf().set(Codegen.THRESHOLD_CONF, "64MB");
    assertThatThrownBy(() -> Codegen.forInput(spark, "test", 1))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "spark.dpf.interpretBelowBytes must be a number of bytes (0 or more), not '64MB'");
  }
}
