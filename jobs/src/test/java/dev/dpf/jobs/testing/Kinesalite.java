package dev.dpf.jobs.testing;

import dev.dpf.core.testing.Repo;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * Kinesis on loopback: kinesalite (npm, installed by {@code bin/test} under {@code .test-servers/}
 * of the checkout) in its own Node.js process, streams in memory.
 */
public final class Kinesalite implements AutoCloseable {
  public static final String ACCESS_KEY = "dpf-test-access-key";
  public static final String SECRET_KEY = "dpf-test-secret-key";

  /** Binds to 127.0.0.1 only (kinesalite's command line would bind every interface). */
  private static final String SCRIPT =
      "require(process.argv[2])({createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0})"
          + ".listen(+process.argv[3], '127.0.0.1', () => console.log('listening'));\n";

  private final Process process;
  private final int port;
  private final KinesisClient client;

  private Kinesalite(Process process, int port) {
    this.process = process;
    this.port = port;
    this.client =
        KinesisClient.builder()
            .endpointOverride(URI.create(endpoint()))
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .build();
  }

  public static Kinesalite start(Path dir) throws IOException, InterruptedException {
    Path module = Repo.root().resolve(".test-servers/node_modules/kinesalite");
    if (!Files.isDirectory(module)) {
      throw new IllegalStateException(
          module
              + " is missing: install the test servers first (bin/test does: npm install"
              + " --prefix .test-servers kinesalite@3.3.3)");
    }
    int port = Loopback.freePort();
    Path script = dir.resolve("kinesalite.js");
    Files.writeString(script, SCRIPT);
    Path log = dir.resolve("kinesalite.log");
    Process process =
        new ProcessBuilder("node", script.toString(), module.toString(), String.valueOf(port))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Loopback.await(
        "kinesalite",
        Duration.ofSeconds(30),
        process,
        () -> Loopback.listening(port),
        Loopback.log(log));
    return new Kinesalite(process, port);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public KinesisClient client() {
    return client;
  }

  public void createStream(String name, int shards) throws InterruptedException {
    client.createStream(b -> b.streamName(name).shardCount(shards));
    while (client
            .describeStreamSummary(b -> b.streamName(name))
            .streamDescriptionSummary()
            .streamStatus()
        != StreamStatus.ACTIVE) {
      Thread.sleep(50);
    }
  }

  /** Every record of every shard of the stream, shard by shard, in sequence order. */
  public List<Record> readAll(String stream) {
    List<Record> records = new ArrayList<>();
    for (Shard shard : client.listShards(b -> b.streamName(stream)).shards()) {
      String iterator =
          client
              .getShardIterator(
                  b ->
                      b.streamName(stream)
                          .shardId(shard.shardId())
                          .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
              .shardIterator();
      while (iterator != null) {
        String from = iterator;
        GetRecordsResponse page = client.getRecords(b -> b.shardIterator(from).limit(1000));
        records.addAll(page.records());
        iterator = page.records().isEmpty() ? null : page.nextShardIterator();
      }
    }
    return records;
  }

  @Override
  public void close() {
    client.close();
    process.destroy();
  }
}
