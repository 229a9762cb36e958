package dev.dpf.jobs.run;

import dev.dpf.core.DpfException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;

/**
 * The PII hashing key kept in AWS Secrets Manager, as the CDK stack makes it: the secret's text.
 * The Glue jobs read it with their role's credentials (the AWS default chain), in the region the
 * job runs in.
 */
public final class PiiKeySecret {
  private PiiKeySecret() {}

  /**
   * The secret's text.
   *
   * @param secret its name or ARN
   * @throws DpfException when it cannot be read, or holds no text
   */
  public static String read(String secret) {
    try (SecretsManagerClient client =
        SecretsManagerClient.builder().httpClientBuilder(ApacheHttpClient.builder()).build()) {
      return read(client, secret);
    } catch (SdkException e) {
      throw new DpfException(
          "Cannot reach Secrets Manager for the PII hashing key " + secret + ": " + e.getMessage(),
          e);
    }
  }

  /** As {@link #read(String)}, with this client. */
  static String read(SecretsManagerClient client, String secret) {
    GetSecretValueResponse value;
    try {
      value = client.getSecretValue(b -> b.secretId(secret));
    } catch (SdkException e) {
      throw new DpfException(
          "Cannot read the PII hashing key from the Secrets Manager secret "
              + secret
              + ": "
              + e.getMessage(),
          e);
    }
    if (value.secretString() == null || value.secretString().isBlank()) {
      throw new DpfException(
          "The Secrets Manager secret "
              + secret
              + " holds no text; the PII hashing key is a secret's text (the CDK stack generates"
              + " one)");
    }
    return value.secretString();
  }
}
