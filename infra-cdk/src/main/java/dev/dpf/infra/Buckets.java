package dev.dpf.infra;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;

/**
 * The one way dpf makes S3 buckets and their keys: KMS encryption with a rotated customer managed
 * key, all public access blocked, TLS enforced, versioning, server access logs, lifecycle rules.
 * Retained with the data unless the deployment is {@code env=dev}, where a stack's deletion removes
 * them with their objects.
 */
final class Buckets {
  private Buckets() {}

  /** A customer managed key with yearly rotation. */
  static Key key(Construct scope, String id, String description, boolean dev) {
    return Key.Builder.create(scope, id)
        .description(description)
        .enableKeyRotation(true)
        .pendingWindow(Duration.days(dev ? 7 : 30))
        .removalPolicy(dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN)
        .build();
  }

  /**
   * The bucket that receives the other buckets' server access logs. S3 delivers access logs only to
   * a bucket with S3-managed encryption, so this one cannot use the KMS key.
   */
  static Bucket accessLogs(Construct scope, String id, boolean dev) {
    Bucket bucket =
        common(scope, id, dev)
            .encryption(BucketEncryption.S3_MANAGED)
            .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
            .lifecycleRules(
                List.of(
                    LifecycleRule.builder()
                        .id("expire-access-logs")
                        .expiration(Duration.days(400))
                        .noncurrentVersionExpiration(Duration.days(30))
                        .abortIncompleteMultipartUploadAfter(Duration.days(7))
                        .build()))
            .build();
    Nag.suppress(
        bucket,
        "PCI.DSS.321-S3DefaultEncryptionKMS",
        "S3 delivers server access logs only to buckets with S3-managed encryption (SSE-S3).");
    noReplication(bucket);
    return bucket;
  }

  /** A data bucket encrypted with {@code key} whose access logs go to {@code logs/<id>/}. */
  static Bucket secure(
      Construct scope,
      String id,
      Key key,
      IBucket logs,
      boolean dev,
      List<LifecycleRule> lifecycleRules) {
    Bucket bucket =
        common(scope, id, dev)
            .encryption(BucketEncryption.KMS)
            .encryptionKey(key)
            .bucketKeyEnabled(true)
            .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
            .serverAccessLogsBucket(logs)
            .serverAccessLogsPrefix(id + "/")
            .lifecycleRules(lifecycleRules)
            .build();
    noReplication(bucket);
    return bucket;
  }

  /** Cross-region replication needs a second region, its bucket and key: a deployment choice. */
  private static void noReplication(Bucket bucket) {
    Nag.suppress(
        bucket,
        "PCI.DSS.321-S3BucketReplicationEnabled",
        "Cross-region replication needs a bucket and key in a second region, which is a"
            + " deployment decision outside these stacks; the bucket is versioned and retained.");
  }

  /** Lifecycle rules every data bucket has: old object versions expire, stalled uploads end. */
  static LifecycleRule housekeeping(int noncurrentDays) {
    return LifecycleRule.builder()
        .id("housekeeping")
        .noncurrentVersionExpiration(Duration.days(noncurrentDays))
        .abortIncompleteMultipartUploadAfter(Duration.days(7))
        .expiredObjectDeleteMarker(true)
        .build();
  }

  private static Bucket.Builder common(Construct scope, String id, boolean dev) {
    return Bucket.Builder.create(scope, id)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .versioned(true)
        .removalPolicy(dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN)
        .autoDeleteObjects(dev);
  }
}
