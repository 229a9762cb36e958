package dev.dpf.jobs.aws;

import dev.dpf.core.DpfException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@code dpf upload}: delivers flat files into the raw zone, each stored with its SHA-256, so that
 * sending the same file again changes nothing and a different file never replaces a delivered one.
 */
@Command(
    name = "upload",
    mixinStandardHelpOptions = true,
    description = {
      "Deliver flat files to s3://BUCKET/PREFIX/<file name>, each stored with its SHA-256 (and"
          + " sent with Content-MD5, which S3 checks on arrival).",
      "A file already there with the same content is skipped; one with other content is refused"
          + " (raw files are never replaced: deliver a new file under a new name)."
    })
public final class Upload implements Callable<Integer> {
  /** User metadata holding the hex SHA-256 of the object's bytes. */
  static final String SHA256_METADATA = "dpf-sha256";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin Aws.Options aws;

  @Option(names = "--bucket", required = true, paramLabel = "BUCKET", description = "Raw bucket.")
  String bucket;

  @Option(
      names = "--prefix",
      defaultValue = "",
      paramLabel = "PREFIX",
      description = "Folder in the bucket, e.g. files/transactions (default: the bucket's root).")
  String prefix;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files to deliver.")
  List<Path> files;

  @Override
  public Integer call() {
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        throw new DpfException(
            file + (Files.isDirectory(file) ? " is a folder: pass its files" : " does not exist"));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    // Content-MD5 rather than the newer flexible checksums, which S3-compatible stores often lack.
    S3Client s3 =
        Aws.client(
            S3Client.builder()
                .forcePathStyle(aws.endpoint != null ? true : null)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED),
            aws);
    checkBucket(s3);
    String trimmed = prefix.replaceAll("^/+", "");
    String folder = trimmed.isEmpty() || trimmed.endsWith("/") ? trimmed : trimmed + "/";
    int uploaded = 0;
    int unchanged = 0;
    int refused = 0;
    for (Path file : files) {
      String key = folder + file.getFileName();
      String target = "s3://" + bucket + "/" + key;
      Digests digests = digests(file);
      String hex = HexFormat.of().formatHex(digests.sha256());
      long size = size(file);
      String stored = storedSha256(s3, key);
      if (stored == null) {
        put(s3, file, key, digests);
        uploaded++;
        out.printf("upload: %s -> %s (%,d bytes, sha256 %s) uploaded%n", file, target, size, hex);
      } else if (stored.equals(hex)) {
        unchanged++;
        out.printf("upload: %s -> %s unchanged (the same content is there)%n", file, target);
      } else {
        refused++;
        out.printf(
            "upload: %s -> %s REFUSED: an object with other content is there (sha256 %s, this"
                + " file %s)%n",
            file, target, stored.isEmpty() ? "unknown" : stored, hex);
      }
      out.flush();
    }
    out.printf("upload: %d uploaded, %d unchanged, %d refused%n", uploaded, unchanged, refused);
    out.flush();
    if (refused > 0) {
      throw new DpfException(
          refused
              + " file(s) refused: raw files are never replaced. Deliver changed data as a new"
              + " file with a new name");
    }
    return 0;
  }

  /** Uploads {@code file} as {@code key} with its SHA-256 in the object's metadata. */
  private void put(S3Client s3, Path file, String key, Digests digests) {
    try {
      s3.putObject(
          b ->
              b.bucket(bucket)
                  .key(key)
                  .metadata(Map.of(SHA256_METADATA, HexFormat.of().formatHex(digests.sha256())))
                  .contentMD5(Base64.getEncoder().encodeToString(digests.md5())),
          RequestBody.fromFile(file));
    } catch (SdkException e) {
      throw new DpfException(
          "Cannot upload " + file + " to s3://" + bucket + "/" + key + ": " + Aws.reason(e), e);
    }
  }

  private void checkBucket(S3Client s3) {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new DpfException(
            "Bucket '" + bucket + "' does not exist. Check --bucket (and --region or --endpoint)",
            e);
      }
      if (e.statusCode() == 403) {
        throw new DpfException(
            "Access to bucket '"
                + bucket
                + "' is denied for these credentials (HTTP 403): check the AWS identity in use",
            e);
      }
      throw new DpfException("Cannot check bucket '" + bucket + "': " + Aws.reason(e), e);
    } catch (SdkException e) {
      throw new DpfException("Cannot reach S3 for bucket '" + bucket + "': " + Aws.reason(e), e);
    }
  }

  /** The stored SHA-256 of {@code key}; "" when the object has none; null when there is none. */
  private String storedSha256(S3Client s3, String key) {
    try {
      HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
      return head.metadata().getOrDefault(SHA256_METADATA, "");
    } catch (NoSuchKeyException e) {
      return null;
    } catch (AwsServiceException e) {
      if (e.statusCode() == 404) {
        return null;
      }
      throw new DpfException("Cannot check s3://" + bucket + "/" + key + ": " + Aws.reason(e), e);
    }
  }

  /** The file's SHA-256 (kept with the object) and MD5 (S3 checks the bytes it got against it). */
  record Digests(byte[] sha256, byte[] md5) {}

  static Digests digests(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha256.update(buffer, 0, n);
        md5.update(buffer, 0, n);
      }
      return new Digests(sha256.digest(), md5.digest());
    } catch (IOException e) {
      throw new DpfException("Cannot read " + file + ": " + e, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new DpfException("Cannot read " + file + ": " + e, e);
    }
  }
}
