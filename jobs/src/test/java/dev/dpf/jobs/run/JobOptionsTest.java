package dev.dpf.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.core.DpfException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
  void acceptsWhatAGlueJarJobReceivesReservedArgumentsAndEmptyFlagsIncluded() {
    // A Glue 5.0 run of a jar job: Glue's reserved and run arguments (flags set in the console
    // arrive with an empty value), the job's default arguments as infra-cdk deploys them, and a
    // run-time override of the definition.
    String[] args = {
      "--JOB_ID",
      "j_0f1e2d3c4b5a69788796a5b4c3d2e1f0",
      "--JOB_RUN_ID",
      "jr_0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4e5f60718293a4b5c6d7e8f9",
      "--JOB_NAME",
      "IngestJob-AbCdEf123456",
      "--SECURITY_CONFIGURATION",
      "DataTransformations-glue",
      "--encryption-type",
      "sse-s3",
      "--job-bookmark-option",
      "job-bookmark-disable",
      "--continuation-option",
      "continuation-enabled",
      "--TempDir",
      "s3://dpf-artifacts/temp/",
      "--RedshiftTempDir",
      "s3://dpf-artifacts/temp/",
      "--enable-metrics",
      "",
      "--enable-glue-datacatalog",
      "",
      "--enable-continuous-cloudwatch-log",
      "true",
      "--enable-observability-metrics",
      "true",
      "--enable-spark-ui",
      "true",
      "--spark-event-logs-path",
      "s3://dpf-artifacts/spark-events/",
      "--job-language",
      "scala",
      "--class",
      "dev.dpf.jobs.glue.IngestJob",
      "--extra-jars",
      "s3://dpf-artifacts/glue/dpf-jobs.jar",
      "--datalake-formats",
      "delta",
      "--conf",
      "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension --conf"
          + " spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
      "--raw",
      "s3://dpf-raw",
      "--lake",
      "s3://dpf-lake",
      "--definition",
      "s3://dpf-artifacts/definitions/pipeline.yaml"
    };
    assertThat(JobOptions.fromJobArgs(args))
        .isEqualTo(
            new JobOptions(
                "s3://dpf-raw",
                "s3://dpf-lake",
                Optional.of("s3://dpf-artifacts/definitions/pipeline.yaml")));
  }

  @Test
  void readsTheDefinition() {
    assertThat(
            JobOptions.fromJobArgs(new String[] {"--lake", "l", "--definition", "p.yaml"})
                .definition())
        .contains("p.yaml");
  }

  @Test
  void rejectsMistypedKeysOfOursWithWhatWasMeant() {
    assertThatThrownBy(
            () ->
                JobOptions.fromJobArgs(
                    new String[] {
                      "--lakes", "l", "--raww", "r", "--Definition", "d", "--DEFINITION_", "d"
                    }))
        .isInstanceOf(DpfException.class)
        .hasMessage(
            "Unknown job argument(s): --lakes (did you mean --lake?), --raww (did you mean --raw?),"
                + " --Definition (did you mean --definition?), --DEFINITION_ (did you mean"
                + " --definition?). dpf's are --raw, --lake, --definition, --results, --fail-on-warn, --select,"
                + " --exclude, --full-refresh, --reingest, --allow-empty, --pii-key-secret, --erase,"
                + " --purge");
  }

  @Test
  void acceptsAndReportsOtherKeysAwsMayAdd() {
    List<String> told = new ArrayList<>();
    JobOptions options =
        JobOptions.fromJobArgs(
            new String[] {
              "--enable-new-glue-feature",
              "true",
              "--lake",
              "s3://l",
              "--rows",
              "5",
              "--JOB_NAME",
              "j",
              "--flag"
            },
            told::add);

    assertThat(options).isEqualTo(new JobOptions("", "s3://l", Optional.empty()));
    assertThat(told)
        .containsExactly(
            "Ignoring job argument(s) that are not dpf's: --enable-new-glue-feature, --rows,"
                + " --flag (dpf's are --raw, --lake, --definition, --results, --fail-on-warn, --select,"
                + " --exclude, --full-refresh, --reingest, --allow-empty, --pii-key-secret, --erase,"
                + " --purge)");
  }

  @Test
  void tellsNothingWhenEveryKeyIsKnown() {
    List<String> told = new ArrayList<>();
    JobOptions.fromJobArgs(new String[] {"--JOB_ID", "j", "--lake", "l"}, told::add);
    assertThat(told).isEmpty();
  }

  @Test
  void readsWhereResultsGoAndWhetherWarningsFail() {
    assertThat(
            JobOptions.fromJobArgs(
                new String[] {
                  "--lake", "l", "--results", "s3://b/results.json", "--fail-on-warn", "true"
                }))
        .isEqualTo(
            new JobOptions(
                "",
                "l",
                Optional.empty(),
                Optional.of("s3://b/results.json"),
                true,
                List.of(),
                List.of(),
                false,
                List.of(),
                false,
                Optional.empty(),
                Optional.empty(),
                false));
    assertThat(
            JobOptions.fromJobArgs(new String[] {"--lake", "l", "--allow-empty", "true"})
                .allowEmpty())
        .isTrue();
    assertThat(
            JobOptions.fromJobArgs(
                    new String[] {
                      "--lake", "l", "--pii-key-secret", "arn:aws:secretsmanager:r:1:secret:k"
                    })
                .piiKeySecret())
        .contains("arn:aws:secretsmanager:r:1:secret:k");
    assertThat(
            JobOptions.fromJobArgs(new String[] {"--lake", "l", "--reingest", "payments,orders"})
                .reingest())
        .containsExactly("payments,orders");
    JobOptions erase =
        JobOptions.fromJobArgs(
            new String[] {
              "--lake",
              "l",
              "--erase",
              "order_lines order_number=10100  product_code=S18_1749",
              "--purge",
              "true"
            });
    assertThat(erase.erase()).contains("order_lines order_number=10100  product_code=S18_1749");
    assertThat(erase.purge()).isTrue();
    EraseRequest request = EraseRequest.parse(erase.erase().orElseThrow());
    assertThat(request.dataset()).isEqualTo("order_lines");
    assertThat(request.key())
        .containsExactly(Map.entry("order_number", "10100"), Map.entry("product_code", "S18_1749"));
    assertThat(request).hasToString("order_lines order_number=10100 product_code=S18_1749");
    assertThatThrownBy(() -> EraseRequest.parse("customers"))
        .hasMessageStartingWith("--erase takes 'DATASET KEY=VALUE [KEY=VALUE...]'");
    assertThatThrownBy(() -> EraseRequest.parse("customers customer_id"))
        .hasMessage("'customer_id' is not KEY=VALUE (for example customer_id=103)");
    assertThatThrownBy(() -> EraseRequest.parse("customers id=1 id=2"))
        .hasMessage("The key column id is given twice");
    assertThat(JobOptions.fromJobArgs(new String[] {"--lake", "l"}).failOnWarn()).isFalse();
    assertThatThrownBy(
            () -> JobOptions.fromJobArgs(new String[] {"--lake", "l", "--fail-on-warn", "yes"}))
        .hasMessage("Argument --fail-on-warn takes true or false, not 'yes'");
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
                + " [--definition FILE] [--results FILE] [--fail-on-warn true]");
  }
}
