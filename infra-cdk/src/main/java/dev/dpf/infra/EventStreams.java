package dev.dpf.infra;

import dev.dpf.definition.SourceDef;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kinesis.Stream;
import software.amazon.awscdk.services.kinesis.StreamEncryption;
import software.amazon.awscdk.services.kinesis.StreamMode;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogStream;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * Per {@code firehose-json} source: an on-demand Kinesis data stream encrypted with the raw key,
 * and a Firehose delivery stream from it into the source's raw folder in the layout the ingest
 * stage reads ({@code <path>/YYYY/MM/dd/HH/}, one JSON record per line, optionally GZIP). Records
 * Firehose cannot deliver go to {@code errors/firehose/<source>/<error type>/} instead of being
 * lost. The delivery role reads only its stream and writes only those two folders (the CDK's
 * higher-level Firehose construct would grant the whole bucket).
 */
final class EventStreams extends Construct {

  EventStreams(
      Construct scope,
      String id,
      DeployConfig config,
      List<SourceDef> sources,
      IBucket raw,
      Key rawKey) {
    super(scope, id);
    for (SourceDef source : sources) {
      String name = Names.pascal(source.name());
      Stream stream = stream(name, rawKey);
      LogGroup logs =
          LogGroups.create(this, name + "DeliveryLogs", rawKey, config.devEnvironment());
      LogStream logStream = logs.addStream("S3Delivery");
      Role role = deliveryRole(name, source, stream, raw, rawKey, logs);
      delivery(name, source, config, stream, role, raw, rawKey, logs, logStream);
      CfnOutput output =
          CfnOutput.Builder.create(this, name + "StreamName")
              .description(
                  "Kinesis stream of source '" + source.name() + "': producers put records here")
              .value(stream.getStreamName())
              .build();
      // Plain names (no construct hash), as the README and the dpf tools refer to them.
      output.overrideLogicalId(name + "StreamName");
    }
  }

  /** The source's Kinesis stream, on demand, encrypted with the raw zone's key. */
  private Stream stream(String name, Key rawKey) {
    Stream stream =
        Stream.Builder.create(this, name + "Stream")
            .streamMode(StreamMode.ON_DEMAND)
            .encryption(StreamEncryption.KMS)
            .encryptionKey(rawKey)
            .retentionPeriod(Duration.hours(24))
            .build();
    Nag.suppress(
        stream,
        "AwsSolutions-KDS3",
        "The stream uses the raw zone's customer managed key on purpose (rotation, key policy,"
            + " audit), not the AWS managed aws/kinesis key.");

    return stream;
  }

  /** The delivery role: reads only its stream, writes only the source's and its error folder. */
  private Role deliveryRole(
      String name, SourceDef source, Stream stream, IBucket raw, Key rawKey, LogGroup logs) {
    String dataFolder = dataFolder(source);
    String errorFolder = errorFolder(source);
    Role role =
        Role.Builder.create(this, name + "DeliveryRole")
            .assumedBy(new ServicePrincipal("firehose.amazonaws.com"))
            .description("Firehose delivers source " + source.name() + " into the raw zone")
            .build();
    ManagedPolicy policy = Roles.policyOf(role);
    policy.addStatements(
        statement(
            List.of(
                "kinesis:DescribeStream",
                "kinesis:DescribeStreamSummary",
                "kinesis:GetShardIterator",
                "kinesis:GetRecords",
                "kinesis:ListShards"),
            List.of(stream.getStreamArn())),
        statement(
            List.of("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"),
            List.of(raw.getBucketArn())),
        statement(
            List.of("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"),
            List.of(raw.arnForObjects(dataFolder + "*"), raw.arnForObjects(errorFolder + "*"))),
        statement(List.of("kms:Decrypt", "kms:GenerateDataKey"), List.of(rawKey.getKeyArn())),
        statement(List.of("logs:PutLogEvents"), List.of(logs.getLogGroupArn())));
    Nag.suppressFindings(
        role,
        "AwsSolutions-IAM5",
        "Firehose names its objects by arrival time; the role writes only under the source's"
            + " folder and its error folder.",
        "Resource::<.*RawBucket.*\\.Arn>/.*\\*");

    return role;
  }

  /** The Firehose stream from the Kinesis stream into the source's folder, by arrival hour. */
  private void delivery(
      String name,
      SourceDef source,
      DeployConfig config,
      Stream stream,
      Role role,
      IBucket raw,
      Key rawKey,
      LogGroup logs,
      LogStream logStream) {
    String dataFolder = dataFolder(source);
    String errorFolder = errorFolder(source);
    CfnDeliveryStream delivery =
        CfnDeliveryStream.Builder.create(this, name + "Delivery")
            .deliveryStreamType("KinesisStreamAsSource")
            .kinesisStreamSourceConfiguration(
                CfnDeliveryStream.KinesisStreamSourceConfigurationProperty.builder()
                    .kinesisStreamArn(stream.getStreamArn())
                    .roleArn(role.getRoleArn())
                    .build())
            .extendedS3DestinationConfiguration(
                CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty.builder()
                    .bucketArn(raw.getBucketArn())
                    .roleArn(role.getRoleArn())
                    .prefix(dataFolder + "!{timestamp:yyyy/MM/dd/HH}/")
                    .errorOutputPrefix(
                        errorFolder + "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/")
                    .bufferingHints(
                        CfnDeliveryStream.BufferingHintsProperty.builder()
                            .intervalInSeconds(config.firehoseBufferSeconds())
                            .sizeInMBs(config.firehoseBufferMiB())
                            .build())
                    .compressionFormat(config.firehoseGzip() ? "GZIP" : "UNCOMPRESSED")
                    .encryptionConfiguration(
                        CfnDeliveryStream.EncryptionConfigurationProperty.builder()
                            .kmsEncryptionConfig(
                                CfnDeliveryStream.KMSEncryptionConfigProperty.builder()
                                    .awskmsKeyArn(rawKey.getKeyArn())
                                    .build())
                            .build())
                    .processingConfiguration(
                        CfnDeliveryStream.ProcessingConfigurationProperty.builder()
                            .enabled(true)
                            .processors(
                                List.of(
                                    CfnDeliveryStream.ProcessorProperty.builder()
                                        .type("AppendDelimiterToRecord")
                                        .build()))
                            .build())
                    .cloudWatchLoggingOptions(
                        CfnDeliveryStream.CloudWatchLoggingOptionsProperty.builder()
                            .enabled(true)
                            .logGroupName(logs.getLogGroupName())
                            .logStreamName(logStream.getLogStreamName())
                            .build())
                    .build())
            .build();
    // Firehose checks its role's permissions when the stream is created.
    delivery.getNode().addDependency(role);
    // With a Kinesis stream as its source, Firehose encrypts nothing itself: the stream is
    // encrypted (above) and so are the objects it writes (the raw key).
    Nag.suppress(
        delivery,
        "AwsSolutions-KDF1",
        "A Kinesis-sourced delivery stream cannot enable server-side encryption; the source"
            + " stream is KMS-encrypted and objects are written with the raw zone's KMS key.");
  }

  /** Where Firehose delivers a source's records. */
  private static String dataFolder(SourceDef source) {
    return source.path() + "/";
  }

  /** Where Firehose puts the records it cannot deliver, by error type. */
  private static String errorFolder(SourceDef source) {
    return "errors/firehose/" + source.name() + "/";
  }

  private static PolicyStatement statement(List<String> actions, List<String> resources) {
    return PolicyStatement.Builder.create().actions(actions).resources(resources).build();
  }
}
