package dev.dpf.jobs.testing;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.amazonaws.services.s3.model.S3ObjectSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An S3 API server on loopback: S3Proxy (its self-contained jar, copied to {@code
 * target/test-servers} by the build) in its own JVM, keeping objects in memory and checking AWS
 * signatures against one test key pair.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "dpf-test-access-key";
  public static final String SECRET_KEY = "dpf-test-secret-key";
  private static final Path JAR = Path.of("target/test-servers/s3proxy.jar");

  private final Process process;
  private final int port;
  private final AmazonS3 client;

  private S3Server(Process process, int port) {
    this.process = process;
    this.port = port;
    this.client =
        AmazonS3ClientBuilder.standard()
            .withEndpointConfiguration(
                new AwsClientBuilder.EndpointConfiguration(endpoint(), "us-east-1"))
            .withPathStyleAccessEnabled(true)
            .withCredentials(
                new AWSStaticCredentialsProvider(new BasicAWSCredentials(ACCESS_KEY, SECRET_KEY)))
            .build();
  }

  public static S3Server start(Path dir) throws IOException, InterruptedException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(
          JAR.toAbsolutePath() + " is missing: run the suite through Maven (mvn verify)");
    }
    int port = Loopback.freePort();
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            // In memory: the filesystem store deletes folder-like keys slowly, which s3a does
            // after every write.
            "jclouds.provider=transient",
            ""));
    Path log = dir.resolve("s3proxy.log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-jar",
                JAR.toAbsolutePath().toString(),
                "--properties",
                properties.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Loopback.await(
        "S3Proxy", Duration.ofSeconds(60), p, () -> Loopback.listening(port), Loopback.log(log));
    return new S3Server(p, port);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * The Hadoop settings that point s3a at this server (credentials are not among them: processes
   * get them from the environment, as the AWS default chain would).
   */
  public Map<String, String> s3aSettings() {
    return Map.of(
        "fs.s3a.endpoint", endpoint(),
        "fs.s3a.path.style.access", "true",
        "fs.s3a.connection.ssl.enabled", "false");
  }

  /**
   * The {@code dpf} options that point a command at this server: its s3a settings and credentials
   * as {@code --conf spark.hadoop.*}.
   */
  public java.util.List<String> dpfConf() {
    java.util.List<String> out = new java.util.ArrayList<>();
    s3aSettings()
        .forEach((k, v) -> out.addAll(java.util.List.of("--conf", "spark.hadoop." + k + "=" + v)));
    out.addAll(java.util.List.of("--conf", "spark.hadoop.fs.s3a.access.key=" + ACCESS_KEY));
    out.addAll(java.util.List.of("--conf", "spark.hadoop.fs.s3a.secret.key=" + SECRET_KEY));
    return out;
  }

  /** A client with the server's credentials, for the tests' own reads and checks. */
  public AmazonS3 client() {
    return client;
  }

  public void createBucket(String bucket) {
    client.createBucket(bucket);
  }

  /**
   * Uploads every file under {@code dir} to {@code bucket} under {@code prefix}; returns how many.
   */
  public int upload(Path dir, String bucket, String prefix) throws IOException {
    List<Path> files;
    try (var walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      String key = prefix + dir.relativize(f).toString().replace('\\', '/');
      client.putObject(bucket, key, f.toFile());
    }
    return files.size();
  }

  /** Every key in the bucket under {@code prefix}, sorted. */
  public List<String> keys(String bucket, String prefix) {
    List<String> out = new ArrayList<>();
    var listing = client.listObjects(bucket, prefix);
    while (true) {
      for (S3ObjectSummary s : listing.getObjectSummaries()) {
        out.add(s.getKey());
      }
      if (!listing.isTruncated()) {
        break;
      }
      listing = client.listNextBatchOfObjects(listing);
    }
    out.sort(null);
    return out;
  }

  @Override
  public void close() {
    client.shutdown();
    process.destroy();
    try {
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
