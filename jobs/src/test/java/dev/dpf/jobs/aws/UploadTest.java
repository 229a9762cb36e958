package dev.dpf.jobs.aws;

import static dev.dpf.jobs.testing.CliRun.dpf;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.s3.model.ObjectMetadata;
import dev.dpf.jobs.testing.CliRun;
import dev.dpf.jobs.testing.S3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpf upload} against S3Proxy on loopback. */
class UploadTest {
  /** SHA-256 of "abc" (FIPS 180-2, appendix B.1). */
  private static final String SHA256_ABC =
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @TempDir static Path dir;
  private static S3Server s3;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3Server.start(dir);
    s3.createBucket("raw");
    System.setProperty("aws.accessKeyId", S3Server.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
  }

  @AfterAll
  static void stop() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    s3.close();
  }

  private static CliRun upload(String... files) {
    String[] args = {
      "upload", "--bucket", "raw", "--prefix", "files/t", "--endpoint", s3.endpoint()
    };
    String[] all = new String[args.length + files.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(files, 0, all, args.length, files.length);
    return dpf(all);
  }

  @Test
  void reSendingTheSameFileIsANoOpAndOtherContentIsRefused() throws Exception {
    Path abc = Files.writeString(dir.resolve("abc.csv"), "abc");
    Path other = Files.writeString(dir.resolve("other.csv"), "id\n1\n");
    CliRun first = upload(abc.toString(), other.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out())
        .startsWith(
            "upload: "
                + abc
                + " -> s3://raw/files/t/abc.csv (3 bytes, sha256 "
                + SHA256_ABC
                + ") uploaded\n")
        .endsWith("upload: 2 uploaded, 0 unchanged, 0 refused\n");
    ObjectMetadata before = s3.client().getObjectMetadata("raw", "files/t/abc.csv");
    assertThat(before.getUserMetadata()).containsEntry("dpf-sha256", SHA256_ABC);
    assertThat(s3.client().getObjectAsString("raw", "files/t/other.csv")).isEqualTo("id\n1\n");

    Thread.sleep(1100); // a second write would show in Last-Modified (one-second resolution)
    CliRun again = upload(abc.toString(), other.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out())
        .isEqualTo(
            "upload: "
                + abc
                + " -> s3://raw/files/t/abc.csv unchanged (the same content is there)\n"
                + "upload: "
                + other
                + " -> s3://raw/files/t/other.csv unchanged (the same content is there)\n"
                + "upload: 0 uploaded, 2 unchanged, 0 refused\n");
    ObjectMetadata after = s3.client().getObjectMetadata("raw", "files/t/abc.csv");
    assertThat(after.getLastModified()).isEqualTo(before.getLastModified());
    assertThat(after.getETag()).isEqualTo(before.getETag());

    Files.writeString(abc, "abd");
    CliRun changed = upload(abc.toString());
    assertThat(changed.code()).isEqualTo(1);
    assertThat(changed.out()).contains("REFUSED", "upload: 0 uploaded, 0 unchanged, 1 refused");
    assertThat(changed.err())
        .isEqualTo(
            "dpf: 1 file(s) refused: raw files are never replaced. Deliver changed data as a new"
                + " file with a new name\n");
    assertThat(s3.client().getObjectAsString("raw", "files/t/abc.csv")).isEqualTo("abc");
    assertThat(s3.keys("raw", "")).containsExactly("files/t/abc.csv", "files/t/other.csv");
  }

  @Test
  void aMissingBucketOrFileIsNamed() throws Exception {
    Path f = Files.writeString(dir.resolve("x.csv"), "x", StandardCharsets.UTF_8);
    CliRun run = dpf("upload", "--bucket", "nope", "--endpoint", s3.endpoint(), f.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "dpf: Bucket 'nope' does not exist. Check --bucket (and --region or --endpoint)\n");
    run = upload(dir.resolve("missing.csv").toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("dpf: " + dir.resolve("missing.csv") + " does not exist\n");
  }

  @Test
  void wrongCredentialsAreDenied() throws Exception {
    Path f = Files.writeString(dir.resolve("y.csv"), "y", StandardCharsets.UTF_8);
    System.setProperty("aws.secretAccessKey", "not-the-secret");
    try {
      CliRun run = upload(f.toString());
      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err())
          .isEqualTo(
              "dpf: Access to bucket 'raw' is denied for these credentials (HTTP 403): check the"
                  + " AWS identity in use\n");
    } finally {
      System.setProperty("aws.secretAccessKey", S3Server.SECRET_KEY);
    }
  }
}
