package dev.dpf.core.internal.pii;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the hashing key comes from, and the keys refused. */
class PiiKeyTest {
  private final Configuration conf = new Configuration();

  @Test
  void theEnvironmentWinsThenTheKeyFileThenTheLakesOwnKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("pii.key");
    Files.writeString(file, "from-the-key-file-0123456789\n");
    String lake = dir.resolve("lake").toString();

    PiiKey env =
        PiiKey.resolve(
            Map.of(PiiKey.ENV, "from-the-environment-0123"), file.toString(), lake, conf);
    assertThat(env.value()).isEqualTo("from-the-environment-0123");
    assertThat(env.origin()).isEqualTo("environment variable DPF_PII_KEY");

    PiiKey fromFile = PiiKey.resolve(Map.of(), file.toString(), lake, conf);
    assertThat(fromFile.value()).isEqualTo("from-the-key-file-0123456789");
    assertThat(fromFile.origin()).isEqualTo("file " + file);

    Path lakeKey = dir.resolve("lake/_system/pii.key");
    // Finding writes nothing: only a process that writes the lake makes its key.
    assertThat(PiiKey.find(Map.of(), null, lake, conf)).isEmpty();
    assertThat(lakeKey).doesNotExist();

    PiiKey made = PiiKey.resolve(Map.of(), null, lake, conf);
    assertThat(made.value()).matches("[0-9a-f]{64}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lakeKey)))
        .isEqualTo("rw-------");
    // Made once: the next run hashes with the same key.
    assertThat(PiiKey.resolve(Map.of(), null, lake, conf).value()).isEqualTo(made.value());
    assertThat(PiiKey.find(Map.of(), null, lake, conf).orElseThrow().value())
        .isEqualTo(made.value());
    assertThat(made.toString()).doesNotContain(made.value());
  }

  @Test
  void aShortKeyOrAMissingKeyFileIsRefused(@TempDir Path dir) {
    String lake = dir.resolve("lake").toString();
    assertThatThrownBy(() -> PiiKey.resolve(Map.of(PiiKey.ENV, "short"), null, lake, conf))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "The PII hashing key from environment variable DPF_PII_KEY is shorter than 16"
                + " characters. Use a long random secret, for example: openssl rand -hex 32");
    String missing = dir.resolve("nope.key").toString();
    assertThatThrownBy(() -> PiiKey.resolve(Map.of(), missing, lake, conf))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "The PII key file "
                + missing
                + " (spark.dpf.pii.keyFile) does not exist. Create it or fix the setting");
  }
}
