package dev.dpf.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobOptionsTest {
  @Test
  void readsOurKeysAndIgnoresGlueOwn() {
    JobOptions o =
        JobOptions.fromJobArgs(
            new String[] {
              "--JOB_ID",
              "j_1",
              "--JOB_RUN_ID",
              "jr_1",
              "--JOB_NAME",
              "dpf-ingest",
              "--raw",
              "s3://b/raw",
              "--TempDir",
              "s3://b/tmp",
              "--job-bookmark-option",
              "job-bookmark-disable",
              "--lake=s3://b/lake",
              "--enable-glue-datacatalog",
              "true"
            });

    assertThat(o).isEqualTo(new JobOptions("s3://b/raw", "s3://b/lake", Optional.empty()));
  }

  @Test
  void readsTheDefinition() {
    assertThat(
            JobOptions.fromJobArgs(new String[] {"--lake", "l", "--definition", "p.yaml"})
                .definition())
        .contains("p.yaml");
  }

  @Test
  void rejectsUnknownKeysSoTyposAreNotIgnored() {
    assertThatThrownBy(() -> JobOptions.fromJobArgs(new String[] {"--lake", "l", "--raww", "r"}))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Unknown job argument(s) [--raww]. Known: --raw, --lake, --definition (Glue's own are ignored)");
  }

  @Test
  void requiresTheLake() {
    assertThatThrownBy(() -> JobOptions.fromJobArgs(new String[] {"--JOB_NAME", "x", "--raw", "r"}))
        .isInstanceOf(DpfException.class)
        .hasMessage("Missing job argument --lake (the lake root, for example s3://bucket/lake)");
  }

  @Test
  void rejectsAKeyWithoutValueAndPositionalArguments() {
    assertThatThrownBy(() -> JobOptions.fromJobArgs(new String[] {"--lake"}))
        .hasMessage("Argument --lake needs a value, for example --lake s3://bucket/lake");
    assertThatThrownBy(() -> JobOptions.fromJobArgs(new String[] {"lake"}))
        .hasMessage(
            "Unexpected argument 'lake'. Job arguments are --key value pairs: --raw URI --lake URI"
                + " [--definition FILE]");
  }
}
