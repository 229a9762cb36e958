package dev.dpf.infra;

import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.SourceKind;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.constructs.Construct;

/**
 * The blueprint's {@code DataIngestion} stack: the raw zone and the three ways data reaches it.
 * Streams for {@code firehose-json} sources, DMS for {@code dms} sources, DataSync from a landing
 * bucket for {@code csv-files} sources, each following the definition.
 */
public final class DataIngestionStack extends Stack {
  private final Key key;
  private final Bucket raw;

  public DataIngestionStack(
      Construct scope, String id, StackProps props, DeployConfig config, PipelineDefinition def) {
    super(scope, id, props);
    boolean dev = config.devEnvironment();
    key = Buckets.key(this, "RawKey", "dpf raw zone: objects, streams, DMS storage, logs", dev);
    LogGroups.allowLogs(key);
    Bucket logs = Buckets.accessLogs(this, "AccessLogs", dev);
    raw =
        Buckets.secure(
            this,
            "RawBucket",
            key,
            logs,
            dev,
            List.of(
                Buckets.housekeeping(90),
                // Raw is the replay source: kept, but moved to cheaper storage once it is read.
                LifecycleRule.builder()
                    .id("tier-raw")
                    .transitions(
                        List.of(
                            Transition.builder()
                                .storageClass(StorageClass.INTELLIGENT_TIERING)
                                .transitionAfter(Duration.days(30))
                                .build()))
                    .build()));
    Bucket landing =
        Buckets.secure(
            this,
            "LandingBucket",
            key,
            logs,
            dev,
            List.of(
                Buckets.housekeeping(7),
                LifecycleRule.builder()
                    .id("expire-delivered")
                    .expiration(Duration.days(30))
                    .build()));

    new EventStreams(this, "Streams", config, sourcesOf(def, SourceKind.FIREHOSE_JSON), raw, key);
    new DmsReplication(this, "Dms", config, DmsTargets.of(def.sources()), raw, key);
    new FlatFileTransfer(
        this, "FlatFiles", config, sourcesOf(def, SourceKind.CSV_FILES), landing, raw, key);

    CfnOutput.Builder.create(this, "RawBucketName")
        .description("The raw zone: bin/dpf run --raw s3://<this>")
        .value(raw.getBucketName())
        .build();
  }

  private static List<dev.dpf.definition.SourceDef> sourcesOf(
      PipelineDefinition def, SourceKind kind) {
    return def.sources().stream().filter(s -> s.kind() == kind).toList();
  }

  public Key key() {
    return key;
  }

  public Bucket raw() {
    return raw;
  }
}
