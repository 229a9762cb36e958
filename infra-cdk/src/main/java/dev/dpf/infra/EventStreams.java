package dev.dpf.infra;

import dev.dpf.core.definition.SourceDef;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.services.kinesis.Stream;
import software.amazon.awscdk.services.kinesis.StreamEncryption;
import software.amazon.awscdk.services.kinesis.StreamMode;
import software.amazon.awscdk.services.kinesisfirehose.AppendDelimiterToRecordProcessor;
import software.amazon.awscdk.services.kinesisfirehose.Compression;
import software.amazon.awscdk.services.kinesisfirehose.DeliveryStream;
import software.amazon.awscdk.services.kinesisfirehose.EnableLogging;
import software.amazon.awscdk.services.kinesisfirehose.KinesisStreamSource;
import software.amazon.awscdk.services.kinesisfirehose.S3Bucket;
import software.amazon.awscdk.services.kinesisfirehose.S3BucketProps;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * Per {@code firehose-json} source: an on-demand Kinesis data stream encrypted with the raw key,
 * and a Firehose delivery stream from it into the source's raw folder in the layout the ingest
 * stage reads ({@code <path>/YYYY/MM/dd/HH/}, one JSON record per line, optionally GZIP). Records
 * Firehose cannot deliver go to {@code errors/firehose/<source>/<error type>/} instead of being
 * lost.
 */
final class EventStreams extends Construct {
  private final List<Stream> streams = new ArrayList<>();
  private final List<DeliveryStream> deliveryStreams = new ArrayList<>();

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
      Stream stream =
          Stream.Builder.create(this, name + "Stream")
              .streamMode(StreamMode.ON_DEMAND)
              .encryption(StreamEncryption.KMS)
              .encryptionKey(rawKey)
              .retentionPeriod(Duration.hours(24))
              .build();
      DeliveryStream delivery =
          DeliveryStream.Builder.create(this, name + "Delivery")
              .source(new KinesisStreamSource(stream))
              .destination(
                  new S3Bucket(
                      raw,
                      S3BucketProps.builder()
                          .dataOutputPrefix(source.path() + "/!{timestamp:yyyy/MM/dd/HH}/")
                          .errorOutputPrefix(
                              "errors/firehose/"
                                  + source.name()
                                  + "/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/")
                          .bufferingInterval(Duration.seconds(config.firehoseBufferSeconds()))
                          .bufferingSize(Size.mebibytes(config.firehoseBufferMiB()))
                          .compression(
                              config.firehoseGzip() ? Compression.GZIP : Compression.UNCOMPRESSED)
                          .encryptionKey(rawKey)
                          .processors(List.of(new AppendDelimiterToRecordProcessor()))
                          .loggingConfig(
                              new EnableLogging(
                                  LogGroups.create(
                                      this,
                                      name + "DeliveryLogs",
                                      rawKey,
                                      config.devEnvironment())))
                          .build()))
              .build();
      // With a Kinesis stream as its source, Firehose encrypts nothing itself: the stream is
      // encrypted (above) and so are the objects it writes (the S3 destination's key).
      Nag.suppress(
          delivery,
          "AwsSolutions-KDF1",
          "A Kinesis-sourced delivery stream cannot enable server-side encryption; the source"
              + " stream is KMS-encrypted and objects are written with the raw zone's KMS key.");
      Nag.suppressFindings(
          delivery,
          "AwsSolutions-IAM5",
          "The CDK's Firehose S3 destination grants its role object read/write on the raw bucket"
              + " and the raw key's data-key actions; Firehose names objects by arrival time under"
              + " the source's folder and errors/firehose/.",
          "Action::s3:(Abort|DeleteObject|GetBucket|GetObject|List)\\*",
          "Action::kms:(GenerateDataKey|ReEncrypt)\\*",
          "Resource::<RawBucket.*\\.Arn>/\\*");
      Nag.suppress(
          delivery,
          "PCI.DSS.321-IAMNoInlinePolicy",
          "The policies the CDK's Firehose construct attaches to the roles it creates for the"
              + " delivery stream, scoped to this stream, bucket and key.");
      Nag.suppress(
          stream,
          "AwsSolutions-KDS3",
          "The stream uses the raw zone's customer managed key on purpose (rotation, key policy,"
              + " audit), not the AWS managed aws/kinesis key.");
      streams.add(stream);
      deliveryStreams.add(delivery);
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

  List<Stream> streams() {
    return streams;
  }

  List<DeliveryStream> deliveryStreams() {
    return deliveryStreams;
  }
}
