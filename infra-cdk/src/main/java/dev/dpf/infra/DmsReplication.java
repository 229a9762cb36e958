package dev.dpf.infra;

import java.util.List;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dms.CfnEndpoint;
import software.amazon.awscdk.services.dms.CfnReplicationInstance;
import software.amazon.awscdk.services.dms.CfnReplicationSubnetGroup;
import software.amazon.awscdk.services.dms.CfnReplicationTask;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.GatewayVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointOptions;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.ec2.VpcAttributes;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * AWS DMS from the on-premises MySQL to the raw zone: a private network path, a replication
 * instance nobody can reach from the internet, a MySQL source endpoint whose credentials stay in
 * Secrets Manager, and per group of {@link DmsTargets} an S3 target endpoint and a
 * full-load-and-CDC task whose table mappings come from the definition.
 */
final class DmsReplication extends Construct {

  DmsReplication(
      Construct scope,
      String id,
      DeployConfig config,
      List<DmsTargets.Target> targets,
      IBucket raw,
      IKey rawKey) {
    super(scope, id);
    Stack stack = Stack.of(this);

    IVpc vpc = network(config, rawKey);
    SecurityGroup securityGroup = securityGroup(config, vpc);
    CfnReplicationInstance instance = instance(config, rawKey, vpc, securityGroup);
    CfnEndpoint source =
        CfnEndpoint.Builder.create(this, "MySqlSource")
            .endpointType("source")
            .engineName("mysql")
            .sslMode(config.mysqlSslMode())
            .mySqlSettings(
                CfnEndpoint.MySqlSettingsProperty.builder()
                    .secretsManagerSecretId(config.mysqlSecret())
                    .secretsManagerAccessRoleArn(secretAccessRole(config, stack).getRoleArn())
                    .build())
            .build();

    Role writer =
        Role.Builder.create(this, "S3TargetRole")
            .assumedBy(new ServicePrincipal("dms.amazonaws.com"))
            .description("DMS writes the raw zone's DMS folders")
            .build();
    ManagedPolicy writerPolicy = Roles.policyOf(writer);
    for (int i = 0; i < targets.size(); i++) {
      task(targets, i, raw, rawKey, writer, writerPolicy, instance, source);
    }
    writerPolicy.addStatements(
        PolicyStatement.Builder.create()
            .actions(List.of("s3:ListBucket", "s3:GetBucketLocation"))
            .resources(List.of(raw.getBucketArn()))
            .build());
    writerPolicy.addStatements(
        PolicyStatement.Builder.create()
            .actions(List.of("kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"))
            .resources(List.of(rawKey.getKeyArn()))
            .build());
    Nag.suppressFindings(
        writer,
        "AwsSolutions-IAM5",
        "DMS names the files it writes itself; the role may write only objects under the DMS"
            + " folder of the raw bucket.",
        "Resource::<.*RawBucket.*\\.Arn>/.*\\*");
  }

  /** The instance's security group: MySQL to the on-premises network, HTTPS to AWS's APIs. */
  private SecurityGroup securityGroup(DeployConfig config, IVpc vpc) {
    SecurityGroup securityGroup =
        SecurityGroup.Builder.create(this, "SecurityGroup")
            .vpc(vpc)
            .description("DMS replication instance: MySQL to on premises only, HTTPS to AWS APIs")
            .allowAllOutbound(false)
            .build();
    securityGroup.addEgressRule(
        Peer.ipv4(config.onPremCidr()),
        Port.tcp(config.mysqlPort()),
        "MySQL on premises (context onPremCidr)");
    // The subnets have no route to the internet: HTTPS reaches only the VPC's endpoints (S3,
    // Secrets Manager); S3's gateway endpoint serves S3's public addresses, hence not a VPC CIDR.
    securityGroup.addEgressRule(
        Peer.anyIpv4(), Port.tcp(443), "HTTPS to AWS APIs via VPC endpoints");

    return securityGroup;
  }

  /** The replication instance in the private subnets, encrypted with the raw key. */
  private CfnReplicationInstance instance(
      DeployConfig config, IKey rawKey, IVpc vpc, SecurityGroup securityGroup) {
    List<String> subnetIds =
        config.vpc().isPresent()
            ? config.vpc().get().subnetIds()
            : vpc
                .selectSubnets(
                    SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build())
                .getSubnets()
                .stream()
                .map(ISubnet::getSubnetId)
                .toList();
    CfnReplicationSubnetGroup subnetGroup =
        CfnReplicationSubnetGroup.Builder.create(this, "SubnetGroup")
            .replicationSubnetGroupDescription("dpf DMS replication: private subnets")
            .subnetIds(subnetIds)
            .build();
    if (config.createDmsAccountRoles()) {
      accountRoles(subnetGroup);
    }

    return CfnReplicationInstance.Builder.create(this, "Instance")
        .replicationInstanceClass(config.dmsInstanceClass())
        .allocatedStorage(config.dmsStorageGb())
        .multiAz(config.dmsMultiAz())
        .publiclyAccessible(false)
        .autoMinorVersionUpgrade(true)
        .kmsKeyId(rawKey.getKeyArn())
        .replicationSubnetGroupIdentifier(subnetGroup.getRef())
        .vpcSecurityGroupIds(List.of(securityGroup.getSecurityGroupId()))
        .build();
  }

  /** Target {@code i}: its S3 endpoint, its full-load-and-CDC task and the task's ARN output. */
  private void task(
      List<DmsTargets.Target> targets,
      int i,
      IBucket raw,
      IKey rawKey,
      Role writer,
      ManagedPolicy writerPolicy,
      CfnReplicationInstance instance,
      CfnEndpoint source) {
    DmsTargets.Target t = targets.get(i);
    String suffix = targets.size() == 1 ? "" : String.valueOf(i + 1);
    String folder = t.settings().bucketFolder();
    writerPolicy.addStatements(
        PolicyStatement.Builder.create()
            .actions(List.of("s3:PutObject", "s3:DeleteObject", "s3:PutObjectTagging"))
            .resources(List.of(raw.arnForObjects(folder.isEmpty() ? "*" : folder + "/*")))
            .build());
    CfnEndpoint target =
        CfnEndpoint.Builder.create(this, "S3Target" + suffix)
            .endpointType("target")
            .engineName("s3")
            .s3Settings(s3Settings(t.settings(), raw, rawKey, writer))
            .build();
    target.getNode().addDependency(writer);
    CfnReplicationTask task =
        CfnReplicationTask.Builder.create(this, "Task" + suffix)
            .migrationType("full-load-and-cdc")
            .replicationInstanceArn(instance.getRef())
            .sourceEndpointArn(source.getRef())
            .targetEndpointArn(target.getRef())
            .tableMappings(DmsTargets.tableMappings(t.tables()))
            .replicationTaskSettings(DmsTargets.taskSettings())
            .build();
    CfnOutput output =
        CfnOutput.Builder.create(this, "DmsTaskArn" + suffix)
            .description(
                "DMS task for "
                    + t.tables().stream().map(DmsTargets.Table::source).toList()
                    + ": aws dms start-replication-task --replication-task-arn <this>")
            .value(task.getRef())
            .build();
    // Plain names (no construct hash), as the README and the dpf tools refer to them.
    output.overrideLogicalId("DmsTaskArn" + suffix);
  }

  private IVpc network(DeployConfig config, IKey key) {
    if (config.vpc().isPresent()) {
      DeployConfig.ExistingVpc v = config.vpc().get();
      return Vpc.fromVpcAttributes(
          this,
          "Vpc",
          VpcAttributes.builder()
              .vpcId(v.vpcId())
              .availabilityZones(v.availabilityZones())
              .build());
    }
    // Isolated subnets: no internet route. The on-premises network reaches them through the VPN
    // gateway (Site-to-Site VPN or Direct Connect attaches there); AWS APIs through endpoints.
    Vpc vpc =
        Vpc.Builder.create(this, "Vpc")
            .maxAzs(2)
            .natGateways(0)
            .subnetConfiguration(
                List.of(
                    SubnetConfiguration.builder()
                        .name("dms")
                        .subnetType(SubnetType.PRIVATE_ISOLATED)
                        .cidrMask(24)
                        .build()))
            .restrictDefaultSecurityGroup(true)
            .vpnGateway(true)
            .vpnRoutePropagation(
                List.of(SubnetSelection.builder().subnetType(SubnetType.PRIVATE_ISOLATED).build()))
            .flowLogs(
                java.util.Map.of(
                    "FlowLog",
                    FlowLogOptions.builder()
                        .destination(
                            FlowLogDestination.toCloudWatchLogs(
                                LogGroups.create(this, "FlowLogs", key, config.devEnvironment())))
                        .build()))
            .build();
    vpc.addGatewayEndpoint(
        "S3", GatewayVpcEndpointOptions.builder().service(GatewayVpcEndpointAwsService.S3).build());
    Nag.suppress(
        vpc,
        "PCI.DSS.321-IAMNoInlinePolicy",
        "The policy the CDK's flow log construct attaches to the role it creates to write this"
            + " VPC's flow logs to their log group.");
    var secrets =
        vpc.addInterfaceEndpoint(
            "SecretsManager",
            InterfaceVpcEndpointOptions.builder()
                .service(InterfaceVpcEndpointAwsService.SECRETS_MANAGER)
                .privateDnsEnabled(true)
                .build());
    Nag.suppress(
        secrets,
        "CdkNagValidationFailure",
        "The endpoint's security group admits HTTPS from the VPC's own CIDR, a token cdk-nag's"
            + " EC23 rule cannot resolve; it is never 0.0.0.0/0.");
    return vpc;
  }

  /**
   * The role DMS assumes to read the MySQL secret: DMS requires the regional service principal. A
   * secret given by name gets an ARN built from the stack's own account and region.
   */
  private Role secretAccessRole(DeployConfig config, Stack stack) {
    String secretArn =
        config.mysqlSecretIsName()
            ? stack.formatArn(
                ArnComponents.builder()
                    .service("secretsmanager")
                    .resource("secret")
                    .resourceName(config.mysqlSecret() + "-??????")
                    .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                    .build())
            : config.mysqlSecret();
    Role role =
        Role.Builder.create(this, "SecretAccessRole")
            .assumedBy(new ServicePrincipal("dms." + stack.getRegion() + ".amazonaws.com"))
            .description("DMS reads the on-premises MySQL credentials from Secrets Manager")
            .build();
    ManagedPolicy policy = Roles.policyOf(role);
    policy.addStatements(
        PolicyStatement.Builder.create()
            .effect(Effect.ALLOW)
            .actions(List.of("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"))
            .resources(List.of(secretArn))
            .build());
    config
        .mysqlSecretKmsKeyArn()
        .ifPresent(
            key ->
                policy.addStatements(
                    PolicyStatement.Builder.create()
                        .actions(List.of("kms:Decrypt"))
                        .resources(List.of(key))
                        .build()));
    return role;
  }

  /**
   * The account-wide roles DMS looks up by name: {@code dms-vpc-role} (subnet groups) and {@code
   * dms-cloudwatch-logs-role} (task logs). An account has them once; create them here only when it
   * has not (context createDmsAccountRoles=true).
   */
  private void accountRoles(CfnReplicationSubnetGroup subnetGroup) {
    Role vpcRole = accountRole("DmsVpcRole", "dms-vpc-role", "AmazonDMSVPCManagementRole");
    Role logsRole =
        accountRole(
            "DmsCloudWatchLogsRole", "dms-cloudwatch-logs-role", "AmazonDMSCloudWatchLogsRole");
    subnetGroup.getNode().addDependency(vpcRole, logsRole);
    for (Role r : List.of(vpcRole, logsRole)) {
      Nag.suppress(
          r,
          "AwsSolutions-IAM4",
          "DMS looks these account roles up by their fixed names and documents them with exactly"
              + " these AWS managed policies.");
    }
  }

  private Role accountRole(String id, String name, String managedPolicy) {
    return Role.Builder.create(this, id)
        .roleName(name)
        .assumedBy(new ServicePrincipal("dms.amazonaws.com"))
        .managedPolicies(
            List.of(ManagedPolicy.fromAwsManagedPolicyName("service-role/" + managedPolicy)))
        .build();
  }

  private static CfnEndpoint.S3SettingsProperty s3Settings(
      DmsTargets.Settings s, IBucket raw, IKey rawKey, Role writer) {
    CfnEndpoint.S3SettingsProperty.Builder b =
        CfnEndpoint.S3SettingsProperty.builder()
            .bucketName(raw.getBucketName())
            .serviceAccessRoleArn(writer.getRoleArn())
            .encryptionMode("SSE_KMS")
            .serverSideEncryptionKmsKeyId(rawKey.getKeyArn())
            .dataFormat(s.parquet() ? "parquet" : "csv")
            .includeOpForFullLoad(s.includeOpForFullLoad())
            .cdcMaxBatchInterval(60)
            .datePartitionEnabled(false);
    if (!s.bucketFolder().isEmpty()) {
      b.bucketFolder(s.bucketFolder());
    }
    if (s.timestampColumn() != null) {
      b.timestampColumnName(s.timestampColumn());
    }
    if (s.parquet()) {
      b.parquetTimestampInMillisecond(true);
    } else {
      b.addColumnName(s.header());
      if (s.nullValue() != null) {
        b.csvNullValue(s.nullValue());
      }
    }
    return b.build();
  }
}
