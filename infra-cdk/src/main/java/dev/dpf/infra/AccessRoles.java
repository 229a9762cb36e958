package dev.dpf.infra;

import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.Zone;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * Who may read what, from the definition: an analysts' role that queries the curated zone through
 * the Athena workgroup and nothing else, and a data engineers' role that reads every zone. Both are
 * assumable by the account's principals that its administrators allow ({@code sts:AssumeRole}); the
 * pipeline's own writes stay with the Glue jobs' role.
 *
 * <p>Scoped by IAM to the zones' folders and catalog databases, not by Lake Formation: the
 * catalog's Delta tables carry no columns (Athena reads their schema from the Delta log), and Lake
 * Formation grants on Delta tables need the schema in the catalog; registering the lake with Lake
 * Formation would also change how every principal of the account reaches the bucket. An analyst
 * reaches no transformed table at all, which is stricter than excluding its PII-tagged columns.
 */
final class AccessRoles extends Construct {
  /** What the roles use. */
  record Resources(IBucket lake, IKey lakeKey, IBucket results, String workGroup) {}

  private final Role analysts;
  private final Role engineers;

  AccessRoles(Construct scope, String id, PipelineDefinition def, Resources resources) {
    super(scope, id);
    Stack stack = Stack.of(this);
    analysts = analysts(stack, def, resources);
    engineers = engineers(stack, resources);
  }

  /** The analysts': queries in the workgroup over the definition's curated tables only. */
  private Role analysts(Stack stack, PipelineDefinition def, Resources resources) {
    Role analysts =
        Role.Builder.create(this, "Analysts")
            .assumedBy(new AccountRootPrincipal())
            .description("dpf analysts: the curated zone through the Athena workgroup")
            .build();
    ManagedPolicy analystPolicy = Roles.policyOf(analysts);
    List<String> curated = new ArrayList<>();
    for (ModelDef m : def.models(Zone.CURATED)) {
      curated.add(Zone.CURATED.dbName() + "/" + m.name());
    }
    query(analystPolicy, stack, resources);
    List<String> catalog = new ArrayList<>();
    catalog.add(Roles.glueArn(stack, "catalog", null));
    catalog.add(Roles.glueArn(stack, "database", Zone.CURATED.dbName()));
    curated.forEach(t -> catalog.add(Roles.glueArn(stack, "table", t)));
    allow(analystPolicy, CATALOG_READ, catalog);
    allow(
        analystPolicy,
        List.of("s3:GetObject"),
        curated.stream().map(t -> resources.lake().arnForObjects(t + "/*")).toList());
    List<String> prefixes = new ArrayList<>();
    for (String t : curated) {
      prefixes.addAll(List.of(t, t + "/", t + "/*"));
    }
    analystPolicy.addStatements(
        PolicyStatement.Builder.create()
            .actions(List.of("s3:ListBucket"))
            .resources(List.of(resources.lake().getBucketArn()))
            .conditions(Map.of("StringLike", Map.of("s3:prefix", prefixes)))
            .build());
    Nag.suppressFindings(
        analysts,
        "AwsSolutions-IAM5",
        "Delta names the data files under each curated table's folder; the role reads only the"
            + " folders of the definition's curated models, and Athena's query results.",
        "Resource::(<.*Bucket.*\\.Arn>|.*ExportsOutputFnGetAtt.*Bucket.*Arn.*)/.*\\*");

    return analysts;
  }

  /** The data engineers': queries, and every zone read only. */
  private Role engineers(Stack stack, Resources resources) {
    Role engineers =
        Role.Builder.create(this, "DataEngineers")
            .assumedBy(new AccountRootPrincipal())
            .description("dpf data engineers: every zone of the lake, read only")
            .build();
    ManagedPolicy engineerPolicy = Roles.policyOf(engineers);
    query(engineerPolicy, stack, resources);
    List<String> everything = new ArrayList<>();
    everything.add(Roles.glueArn(stack, "catalog", null));
    for (Zone z : Zone.values()) {
      everything.add(Roles.glueArn(stack, "database", z.dbName()));
      everything.add(Roles.glueArn(stack, "table", z.dbName() + "/*"));
    }
    allow(engineerPolicy, CATALOG_READ, everything);
    allow(
        engineerPolicy,
        List.of("s3:GetObject"),
        java.util.Arrays.stream(Zone.values())
            .map(z -> resources.lake().arnForObjects(z.dbName() + "/*"))
            .toList());
    allow(engineerPolicy, List.of("s3:ListBucket"), List.of(resources.lake().getBucketArn()));
    // A key file a lake made before its key moved to Secrets Manager stays out of reach.
    engineerPolicy.addStatements(
        PolicyStatement.Builder.create()
            .effect(Effect.DENY)
            .actions(List.of("s3:GetObject"))
            .resources(List.of(resources.lake().arnForObjects(Zone.SYSTEM.dbName() + "/pii.key")))
            .build());
    Nag.suppressFindings(
        engineers,
        "AwsSolutions-IAM5",
        "Read-only access to every zone's folder and catalog database, where Spark and Delta name"
            + " the files and the jobs name the pipeline's own tables; and Athena's query"
            + " results.",
        "Resource::(<.*Bucket.*\\.Arn>|.*ExportsOutputFnGetAtt.*Bucket.*Arn.*)/.*\\*",
        "Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/.*/\\*");
    return engineers;
  }

  /** Reading a catalog database and its tables (what Athena asks for a query). */
  private static final List<String> CATALOG_READ =
      List.of(
          "glue:GetDatabase",
          "glue:GetTable",
          "glue:GetTables",
          "glue:GetPartition",
          "glue:GetPartitions",
          "glue:BatchGetPartition");

  /**
   * Queries in the workgroup: Athena's calls on it, its results folder (Athena writes a query's
   * results with the caller's permissions), and the lake key that encrypts the lake and the
   * results.
   */
  private static void query(ManagedPolicy policy, Stack stack, Resources resources) {
    String workGroup =
        stack.formatArn(
            ArnComponents.builder()
                .service("athena")
                .resource("workgroup")
                .resourceName(resources.workGroup())
                .arnFormat(ArnFormat.SLASH_RESOURCE_NAME)
                .build());
    allow(
        policy,
        List.of(
            "athena:StartQueryExecution",
            "athena:StopQueryExecution",
            "athena:GetQueryExecution",
            "athena:GetQueryResults",
            "athena:GetQueryResultsStream",
            "athena:BatchGetQueryExecution",
            "athena:ListQueryExecutions",
            "athena:GetWorkGroup",
            "athena:GetNamedQuery",
            "athena:BatchGetNamedQuery",
            "athena:ListNamedQueries"),
        List.of(workGroup));
    allow(
        policy,
        List.of(
            "s3:GetObject",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts"),
        List.of(resources.results().arnForObjects("athena-results/*")));
    policy.addStatements(
        PolicyStatement.Builder.create()
            .actions(List.of("s3:ListBucket"))
            .resources(List.of(resources.results().getBucketArn()))
            .conditions(Map.of("StringLike", Map.of("s3:prefix", List.of("athena-results/*"))))
            .build());
    allow(
        policy,
        List.of("s3:GetBucketLocation"),
        List.of(resources.lake().getBucketArn(), resources.results().getBucketArn()));
    allow(
        policy,
        List.of("kms:Decrypt", "kms:GenerateDataKey"),
        List.of(resources.lakeKey().getKeyArn()));
  }

  private static void allow(ManagedPolicy policy, List<String> actions, List<String> resources) {
    policy.addStatements(
        PolicyStatement.Builder.create().actions(actions).resources(resources).build());
  }

  Role analysts() {
    return analysts;
  }

  Role engineers() {
    return engineers;
  }
}
