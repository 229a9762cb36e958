package dev.dpf.infra;

import static dev.dpf.infra.Synth.list;
import static dev.dpf.infra.Synth.only;
import static dev.dpf.infra.Synth.render;
import static dev.dpf.infra.Synth.resources;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The DataIngestion stack's security and wiring, on the repository's definition. */
class DataIngestionStackTest {
  private final JsonNode t = Synth.defaults().ingestionJson();

  @Test
  void dmsReplicationInstanceIsPrivateInItsOwnSubnetsAndEncrypted() {
    JsonNode instance = only(t, "AWS::DMS::ReplicationInstance").get("Properties");
    assertThat(instance.get("PubliclyAccessible").asBoolean()).isFalse();
    assertThat(render(instance.get("ReplicationSubnetGroupIdentifier")))
        .isEqualTo("<" + id("AWS::DMS::ReplicationSubnetGroup") + ">");
    assertThat(list(instance.get("VpcSecurityGroupIds")))
        .containsExactly("<" + dmsSecurityGroupId() + ".GroupId>");
    assertThat(render(instance.get("KmsKeyId"))).isEqualTo("<" + id("AWS::KMS::Key") + ".Arn>");
    // The subnets it may use have no route to the internet.
    assertThat(resources(t, "AWS::EC2::InternetGateway")).isEmpty();
    assertThat(resources(t, "AWS::EC2::NatGateway")).isEmpty();
    assertThat(only(t, "AWS::EC2::FlowLog").get("Properties").get("TrafficType").asText())
        .isEqualTo("ALL");
  }

  @Test
  void dmsSecurityGroupReachesMySqlOnlyInTheOnPremisesCidrAndAdmitsNothing() {
    JsonNode sg = t.get("Resources").get(dmsSecurityGroupId()).get("Properties");
    assertThat(sg.has("SecurityGroupIngress")).isFalse();
    List<String> egress = new ArrayList<>();
    sg.get("SecurityGroupEgress")
        .forEach(
            r ->
                egress.add(
                    r.get("IpProtocol").asText()
                        + " "
                        + r.get("FromPort").asInt()
                        + "-"
                        + r.get("ToPort").asInt()
                        + " "
                        + r.get("CidrIp").asText()));
    assertThat(egress).containsExactly("tcp 3306-3306 10.20.0.0/16", "tcp 443-443 0.0.0.0/0");
    // No separate ingress rule points at it.
    for (JsonNode ingress : resources(t, "AWS::EC2::SecurityGroupIngress").values()) {
      assertThat(render(ingress.get("Properties").get("GroupId")))
          .doesNotContain(dmsSecurityGroupId());
    }
    // Nowhere in the stack is MySQL open to the world.
    for (JsonNode group : resources(t, "AWS::EC2::SecurityGroup").values()) {
      for (String dir : List.of("SecurityGroupIngress", "SecurityGroupEgress")) {
        JsonNode rules = group.get("Properties").get(dir);
        if (rules != null) {
          rules.forEach(
              r -> {
                if (r.path("FromPort").asInt(-1) <= 3306 && r.path("ToPort").asInt(-1) >= 3306) {
                  assertThat(r.path("CidrIp").asText()).isNotEqualTo("0.0.0.0/0");
                }
              });
        }
      }
    }
  }

  @Test
  void mySqlSourceReadsItsCredentialsFromSecretsManagerOnly() {
    JsonNode source = endpoint("source");
    assertThat(source.get("EngineName").asText()).isEqualTo("mysql");
    assertThat(source.get("SslMode").asText()).isEqualTo("require");
    for (String clear : List.of("Password", "Username", "ServerName", "Port")) {
      assertThat(source.has(clear)).as(clear).isFalse();
    }
    JsonNode mysql = source.get("MySqlSettings");
    assertThat(mysql.get("SecretsManagerSecretId").asText()).isEqualTo("dpf/mysql");
    String roleId =
        render(mysql.get("SecretsManagerAccessRoleArn")).replaceAll("<(.*)\\.Arn>", "$1");
    JsonNode role = t.get("Resources").get(roleId).get("Properties");
    assertThat(render(role.at("/AssumeRolePolicyDocument/Statement/0/Principal/Service")))
        .isEqualTo("dms.<AWS::Region>.amazonaws.com");
    List<JsonNode> statements = Synth.statementsOf(t, roleId);
    assertThat(statements).hasSize(1);
    assertThat(list(statements.get(0).get("Action")))
        .containsExactly("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue");
    assertThat(list(statements.get(0).get("Resource")))
        .containsExactly(
            "arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:dpf/mysql-??????");
  }

  @Test
  void s3TargetWritesTheLayoutTheIngestStageReads() {
    JsonNode s3 = endpoint("target").get("S3Settings");
    assertThat(s3.get("BucketFolder").asText()).isEqualTo("dms");
    assertThat(s3.get("DataFormat").asText()).isEqualTo("csv");
    assertThat(s3.get("AddColumnName").asBoolean()).isTrue();
    assertThat(s3.get("TimestampColumnName").asText()).isEqualTo("dms_timestamp");
    assertThat(s3.get("IncludeOpForFullLoad").asBoolean()).isFalse();
    assertThat(s3.get("DatePartitionEnabled").asBoolean()).isFalse();
    assertThat(s3.get("EncryptionMode").asText()).isEqualTo("SSE_KMS");
    assertThat(render(s3.get("BucketName"))).isEqualTo("<" + rawBucketId() + ">");
  }

  @Test
  void replicationTaskCopiesExactlyTheDefinitionsDmsTables() throws Exception {
    JsonNode task = only(t, "AWS::DMS::ReplicationTask").get("Properties");
    assertThat(task.get("MigrationType").asText()).isEqualTo("full-load-and-cdc");
    JsonNode mappings = Synth.JSON.readTree(task.get("TableMappings").asText());
    List<String> tables = new ArrayList<>();
    mappings
        .get("rules")
        .forEach(
            r -> {
              assertThat(r.get("rule-type").asText()).isEqualTo("selection");
              assertThat(r.get("rule-action").asText()).isEqualTo("include");
              tables.add(
                  r.at("/object-locator/schema-name").asText()
                      + "."
                      + r.at("/object-locator/table-name").asText());
            });
    // src/pipeline.yaml: sources customers, orders, orderdetails, products under dms/classicmodels.
    assertThat(tables)
        .containsExactly(
            "classicmodels.customers",
            "classicmodels.orders",
            "classicmodels.orderdetails",
            "classicmodels.products");
    JsonNode settings = Synth.JSON.readTree(task.get("ReplicationTaskSettings").asText());
    assertThat(settings.at("/FullLoadSettings/TargetTablePrepMode").asText())
        .isEqualTo("DO_NOTHING");
    assertThat(settings.at("/Logging/EnableLogging").asBoolean()).isTrue();
  }

  @Test
  void firehoseDeliversTheStreamIntoTheIngestLayoutWithErrorsKeptApart() {
    JsonNode stream = only(t, "AWS::Kinesis::Stream").get("Properties");
    assertThat(stream.at("/StreamModeDetails/StreamMode").asText()).isEqualTo("ON_DEMAND");
    assertThat(stream.at("/StreamEncryption/EncryptionType").asText()).isEqualTo("KMS");
    JsonNode firehose = only(t, "AWS::KinesisFirehose::DeliveryStream").get("Properties");
    assertThat(firehose.get("DeliveryStreamType").asText()).isEqualTo("KinesisStreamAsSource");
    assertThat(render(firehose.at("/KinesisStreamSourceConfiguration/KinesisStreamARN")))
        .isEqualTo("<" + id("AWS::Kinesis::Stream") + ".Arn>");
    JsonNode s3 = firehose.get("ExtendedS3DestinationConfiguration");
    assertThat(s3.get("Prefix").asText())
        .isEqualTo("streaming/payments/!{timestamp:yyyy/MM/dd/HH}/");
    assertThat(s3.get("ErrorOutputPrefix").asText())
        .isEqualTo(
            "errors/firehose/payments/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/");
    assertThat(s3.get("CompressionFormat").asText()).isEqualTo("GZIP");
    assertThat(s3.at("/BufferingHints/IntervalInSeconds").asInt()).isEqualTo(300);
    assertThat(s3.at("/BufferingHints/SizeInMBs").asInt()).isEqualTo(64);
    assertThat(s3.at("/CloudWatchLoggingOptions/Enabled").asBoolean()).isTrue();
    assertThat(render(s3.at("/EncryptionConfiguration/KMSEncryptionConfig/AWSKMSKeyARN")))
        .isEqualTo("<" + id("AWS::KMS::Key") + ".Arn>");
    assertThat(render(s3.get("BucketARN"))).isEqualTo("<" + rawBucketId() + ".Arn>");
    assertThat(s3.at("/ProcessingConfiguration/Processors/0/Type").asText())
        .isEqualTo("AppendDelimiterToRecord");
    // Its role writes only the source's folder and the error folder of the raw bucket.
    String roleId = render(s3.get("RoleARN")).replaceAll("<(.*)\\.Arn>", "$1");
    List<String> objects = new ArrayList<>();
    for (JsonNode s : Synth.statementsOf(t, roleId)) {
      if (list(s.get("Action")).contains("s3:PutObject")) {
        objects.addAll(list(s.get("Resource")));
      }
    }
    assertThat(objects)
        .containsExactlyInAnyOrder(
            "<" + rawBucketId() + ".Arn>/streaming/payments/*",
            "<" + rawBucketId() + ".Arn>/errors/firehose/payments/*");
  }

  @Test
  void flatFilesMoveFromTheLandingBucketIntoTheSourcesRawFolderOnASchedule() {
    JsonNode task = only(t, "AWS::DataSync::Task").get("Properties");
    assertThat(task.at("/Schedule/ScheduleExpression").asText()).isEqualTo("rate(1 hour)");
    assertThat(task.at("/Options/TransferMode").asText()).isEqualTo("CHANGED");
    assertThat(task.at("/Options/VerifyMode").asText()).isEqualTo("ONLY_FILES_TRANSFERRED");
    assertThat(task.at("/Options/PreserveDeletedFiles").asText()).isEqualTo("PRESERVE");
    JsonNode from = location(task.get("SourceLocationArn"));
    JsonNode to = location(task.get("DestinationLocationArn"));
    assertThat(from.get("Subdirectory").asText()).isEqualTo("/transactions/");
    assertThat(render(from.get("S3BucketArn")))
        .isEqualTo("<" + bucketId("LandingBucket") + ".Arn>");
    assertThat(to.get("Subdirectory").asText()).isEqualTo("/files/transactions/");
    assertThat(render(to.get("S3BucketArn"))).isEqualTo("<" + rawBucketId() + ".Arn>");
  }

  @Test
  void dataBucketsAreEncryptedPrivateTlsOnlyVersionedLoggedAndRetained() {
    Map<String, JsonNode> buckets = resources(t, "AWS::S3::Bucket");
    assertThat(buckets).hasSize(3);
    for (Map.Entry<String, JsonNode> e : buckets.entrySet()) {
      JsonNode b = e.getValue();
      JsonNode p = b.get("Properties");
      assertThat(b.get("DeletionPolicy").asText()).as(e.getKey()).isEqualTo("Retain");
      assertThat(p.at("/PublicAccessBlockConfiguration/BlockPublicAcls").asBoolean()).isTrue();
      assertThat(p.at("/PublicAccessBlockConfiguration/BlockPublicPolicy").asBoolean()).isTrue();
      assertThat(p.at("/PublicAccessBlockConfiguration/IgnorePublicAcls").asBoolean()).isTrue();
      assertThat(p.at("/PublicAccessBlockConfiguration/RestrictPublicBuckets").asBoolean())
          .isTrue();
      assertThat(p.at("/VersioningConfiguration/Status").asText()).isEqualTo("Enabled");
      assertThat(p.at("/LifecycleConfiguration/Rules").size()).isPositive();
      assertThat(tlsEnforced(e.getKey())).as(e.getKey() + " denies plain HTTP").isTrue();
      String sse =
          p.at(
                  "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm")
              .asText();
      if (e.getKey().startsWith("AccessLogs")) {
        assertThat(sse).isEqualTo("AES256"); // S3 delivers access logs only to SSE-S3 buckets
      } else {
        assertThat(sse).isEqualTo("aws:kms");
        assertThat(render(p.at("/LoggingConfiguration/DestinationBucketName")))
            .isEqualTo("<" + bucketId("AccessLogs") + ">");
      }
    }
    JsonNode key = only(t, "AWS::KMS::Key");
    assertThat(key.at("/Properties/EnableKeyRotation").asBoolean()).isTrue();
    assertThat(key.get("DeletionPolicy").asText()).isEqualTo("Retain");
  }

  @Test
  void devDeploymentsAreRemovedCompletelyByDestroy() {
    JsonNode dev = Synth.with(Map.of("env", "dev")).ingestionJson();
    resources(dev, "AWS::S3::Bucket")
        .forEach(
            (id, b) -> assertThat(b.get("DeletionPolicy").asText()).as(id).isEqualTo("Delete"));
    // Emptied first, so CloudFormation can delete them.
    assertThat(resources(dev, "Custom::S3AutoDeleteObjects")).hasSize(3);
    assertThat(only(dev, "AWS::KMS::Key").get("DeletionPolicy").asText()).isEqualTo("Delete");
    resources(dev, "AWS::Logs::LogGroup")
        .forEach(
            (id, g) -> assertThat(g.get("DeletionPolicy").asText()).as(id).isEqualTo("Delete"));
  }

  @Test
  void anExistingVpcAndTheAccountsDmsRolesComeFromContext() {
    JsonNode other =
        Synth.with(
                Map.of(
                    "vpcId", "vpc-0a1b2c3d4e5f60718",
                    "subnetIds", "subnet-0a1b2c3d4e5f60711,subnet-0a1b2c3d4e5f60722",
                    "availabilityZones", "eu-west-1a,eu-west-1b",
                    "createDmsAccountRoles", "true",
                    "onPremCidr", "192.168.10.0/24",
                    "mysqlPort", "3307"))
            .ingestionJson();
    assertThat(resources(other, "AWS::EC2::VPC")).isEmpty();
    assertThat(list(only(other, "AWS::DMS::ReplicationSubnetGroup").at("/Properties/SubnetIds")))
        .containsExactly("subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722");
    JsonNode sg = only(other, "AWS::EC2::SecurityGroup").get("Properties");
    assertThat(sg.get("VpcId").asText()).isEqualTo("vpc-0a1b2c3d4e5f60718");
    assertThat(sg.at("/SecurityGroupEgress/0/CidrIp").asText()).isEqualTo("192.168.10.0/24");
    assertThat(sg.at("/SecurityGroupEgress/0/FromPort").asInt()).isEqualTo(3307);
    List<String> roleNames = new ArrayList<>();
    resources(other, "AWS::IAM::Role")
        .values()
        .forEach(r -> roleNames.add(r.at("/Properties/RoleName").asText("")));
    assertThat(roleNames).contains("dms-vpc-role", "dms-cloudwatch-logs-role");
  }

  @Test
  void outputsHaveThePlainNamesTheReadmeUses() {
    List<String> outputs = new ArrayList<>();
    t.get("Outputs").fieldNames().forEachRemaining(outputs::add);
    // The rest are the CDK's exports for DataTransformations (raw bucket and key).
    outputs.removeIf(o -> o.startsWith("ExportsOutput"));
    assertThat(outputs)
        .containsExactlyInAnyOrder(
            "RawBucketName", "DmsTaskArn", "PaymentsStreamName", "TransactionsLandingPrefix");
    assertThat(render(t.at("/Outputs/DmsTaskArn/Value")))
        .isEqualTo("<" + id("AWS::DMS::ReplicationTask") + ">");
  }

  private JsonNode endpoint(String type) {
    return resources(t, "AWS::DMS::Endpoint").values().stream()
        .map(e -> e.get("Properties"))
        .filter(p -> p.get("EndpointType").asText().equals(type))
        .findFirst()
        .orElseThrow();
  }

  private JsonNode location(JsonNode arn) {
    String id = render(arn).replaceAll("<(.*)\\.LocationArn>", "$1");
    return t.get("Resources").get(id).get("Properties");
  }

  private boolean tlsEnforced(String bucketId) {
    for (JsonNode policy : resources(t, "AWS::S3::BucketPolicy").values()) {
      if (!render(policy.at("/Properties/Bucket")).equals("<" + bucketId + ">")) {
        continue;
      }
      for (JsonNode s : policy.at("/Properties/PolicyDocument/Statement")) {
        if (s.get("Effect").asText().equals("Deny")
            && s.at("/Condition/Bool/aws:SecureTransport").asText().equals("false")
            && list(s.get("Action")).contains("s3:*")) {
          return true;
        }
      }
    }
    return false;
  }

  private String id(String type) {
    return Synth.firstId(t, type);
  }

  private String bucketId(String prefix) {
    return Synth.bucketId(t, prefix);
  }

  private String rawBucketId() {
    return bucketId("RawBucket");
  }

  private String dmsSecurityGroupId() {
    return resources(t, "AWS::EC2::SecurityGroup").keySet().stream()
        .filter(k -> k.startsWith("DmsSecurityGroup"))
        .findFirst()
        .orElseThrow();
  }
}
