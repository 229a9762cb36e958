package dev.dpf.jobs.aws;

import dev.dpf.core.DpfException;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * AWS clients of the ingestion tools: credentials only from the SDK's default provider chain, the
 * region from {@code --region} or the default chain, and an optional {@code --endpoint} for an S3-
 * or Kinesis-compatible server.
 */
public final class Aws {
  /** The options every AWS-facing command takes. */
  static final class Options {
    @Option(
        names = "--endpoint",
        paramLabel = "URL",
        description =
            "Service endpoint (default: AWS's, for the region), e.g. http://127.0.0.1:4567.")
    String endpoint;

    @Option(
        names = "--region",
        paramLabel = "REGION",
        description =
            "AWS region (default: the SDK's chain: AWS_REGION, the profile; us-east-1 with"
                + " --endpoint).")
    String region;
  }

  private Aws() {}

  /** Configures {@code builder} from the options and the default credential chain. */
  static <B extends AwsClientBuilder<B, C>, C> C client(B builder, Options options) {
    builder.region(region(options)).credentialsProvider(credentials());
    if (options.endpoint != null) {
      builder.endpointOverride(endpoint(options.endpoint));
    }
    return builder.build();
  }

  /**
   * The default credential chain, resolved once now so missing credentials are reported before any
   * work starts.
   */
  static AwsCredentialsProvider credentials() {
    DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
    try {
      chain.resolveCredentials();
    } catch (SdkClientException e) {
      throw new DpfException(
          "No AWS credentials found. dpf uses the AWS SDK's default chain: the environment"
              + " (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), an AWS_PROFILE or the default"
              + " profile in ~/.aws, web identity, or a container or instance role",
          e);
    }
    return chain;
  }

  static Region region(Options options) {
    if (options.region != null) {
      return Region.of(options.region);
    }
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      if (options.endpoint != null) {
        return Region.US_EAST_1;
      }
      throw new DpfException(
          "No AWS region: pass --region, or set AWS_REGION or a region in your AWS profile", e);
    }
  }

  static URI endpoint(String url) {
    try {
      URI uri = new URI(url);
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new URISyntaxException(url, "needs a scheme and a host");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new DpfException(
          "--endpoint must be a URL such as http://127.0.0.1:4567, got '" + url + "'", e);
    }
  }

  /** One line for a failed call: the service's error code and message, or the client's reason. */
  static String reason(SdkException e) {
    if (e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException service
        && service.awsErrorDetails() != null) {
      return service.awsErrorDetails().errorCode()
          + ": "
          + service.awsErrorDetails().errorMessage();
    }
    return e.getMessage();
  }
}
