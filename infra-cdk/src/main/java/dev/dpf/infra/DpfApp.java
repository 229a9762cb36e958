package dev.dpf.infra;

import dev.dpf.definition.DefinitionException;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import io.github.cdklabs.cdknag.PCIDSS321Checks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

/**
 * The CDK app: reads the configuration and the pipeline definition, wires the two stacks, applies
 * the cdk-nag AwsSolutions checks. Run by {@code npx aws-cdk synth|deploy} (see {@code cdk.json})
 * or by {@code mvn -Psynth}; arguments {@code key=value} are context, as {@code -c key=value}.
 */
public final class DpfApp {
  private DpfApp() {}

  /** The two stacks of one app. */
  public record Stacks(DataIngestionStack ingestion, DataTransformationsStack transformations) {}

  public static void main(String[] args) {
    Path infraDir = Path.of(System.getProperty("dpf.infra.dir", ".")).toAbsolutePath().normalize();
    Map<String, Object> context = new LinkedHashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        System.err.println("dpf-infra: arguments are context as key=value, got '" + a + "'");
        System.exit(2);
      }
      context.put(a.substring(0, eq), a.substring(eq + 1));
    }
    // Without the CLI, the app writes where the CLI would.
    String outdir =
        System.getenv("CDK_OUTDIR") == null ? infraDir.resolve("cdk.out").toString() : null;
    App app = newApp(context, outdir);
    try {
      build(app, infraDir);
    } catch (IllegalArgumentException | DefinitionException e) {
      System.err.println("dpf-infra: " + e.getMessage());
      System.exit(1);
    }
    app.synth();
  }

  /** CDK behaviours the stacks rely on, whoever creates the app (CLI, Maven, tests). */
  static final Map<String, Object> FEATURE_FLAGS =
      Map.of(
          // Access logs delivered by bucket policy, not the legacy log-delivery ACL.
          "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true,
          // One statement per action set: smaller, easier to review policies.
          "@aws-cdk/aws-iam:minimizePolicies", true,
          // DataTransformations reads the raw bucket and key of DataIngestion: CloudFormation
          // exports, which also stop DataIngestion from being deleted first.
          "@aws-cdk/core:defaultCrossStackReferences", "strong");

  /**
   * An app with {@code context} and the feature flags, without version reporting.
   *
   * @param outdir where to synthesize, or null for the CLI's (or a temporary) folder
   */
  public static App newApp(Map<String, ?> context, String outdir) {
    Map<String, Object> all = new java.util.TreeMap<>(FEATURE_FLAGS);
    all.putAll(context);
    App.Builder builder = App.Builder.create().context(all).analyticsReporting(false);
    if (outdir != null) {
      builder.outdir(outdir);
    }
    return builder.build();
  }

  /**
   * Adds both stacks to {@code app}, with the nag checks.
   *
   * @param infraDir the infra-cdk folder: default definition and Glue artifact paths resolve
   *     against it
   * @throws IllegalArgumentException for bad context or missing build output
   * @throws DefinitionException for a bad pipeline definition
   */
  public static Stacks build(App app, Path infraDir) {
    DeployConfig config = DeployConfig.from(k -> app.getNode().tryGetContext(k), infraDir);
    PipelineDefinition def = Definitions.load(config.definition());
    for (String file : new String[] {GlueJobs.JAR, GlueJobs.SCRIPT}) {
      if (!Files.isRegularFile(config.glueArtifacts().resolve(file))) {
        throw new IllegalArgumentException(
            "The Glue artifacts are not built: "
                + config.glueArtifacts().resolve(file)
                + " is missing. Build them first: mvn -pl infra-cdk -am -DskipTests package");
      }
    }
    DataIngestionStack ingestion =
        new DataIngestionStack(
            app,
            "DataIngestion",
            StackProps.builder()
                .description("dpf ingestion: raw zone, streams, DMS, flat-file transfer")
                .build(),
            config,
            def);
    DataTransformationsStack transformations =
        new DataTransformationsStack(
            app,
            "DataTransformations",
            StackProps.builder()
                .description("dpf transformations: lake, Glue jobs, catalog, orchestration, Athena")
                .build(),
            config,
            def,
            ingestion);
    transformations.addStackDependency(ingestion);
    Tags.of(app).add("project", "dpf");
    // AWS's general best practices, and PCI DSS 3.2.1: the controls a payments pipeline is audited
    // against (DMS not public, encrypted logs, no inline policies, ...).
    Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
    Aspects.of(app).add(new PCIDSS321Checks(NagPackProps.builder().verbose(true).build()));
    return new Stacks(ingestion, transformations);
  }
}
