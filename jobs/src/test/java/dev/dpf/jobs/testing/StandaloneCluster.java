package dev.dpf.jobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Spark standalone cluster on loopback: one master and {@code n} workers (one core, 1 GiB each),
 * separate JVMs started from a {@link SparkHome}, as {@code sbin/start-master.sh} and {@code
 * start-worker.sh} would. Closing it stops the workers, their executors and the master.
 */
public final class StandaloneCluster implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Process master;
  private final List<Process> workers = new ArrayList<>();

  private StandaloneCluster(Path dir, int port, Process master) {
    this.dir = dir;
    this.port = port;
    this.master = master;
  }

  public static StandaloneCluster start(SparkHome spark, Path dir, int workerCount)
      throws IOException, InterruptedException {
    int port = Loopback.freePort();
    Process master =
        spark.start(
            dir,
            "master",
            List.of("-Xmx256m"),
            Map.of(),
            "org.apache.spark.deploy.master.Master",
            List.of("--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", "0"));
    StandaloneCluster cluster = new StandaloneCluster(dir, port, master);
    try {
      Loopback.await(
          "Spark master",
          Duration.ofSeconds(60),
          master,
          () -> cluster.masterLog().contains("I have been elected leader"),
          cluster::masterLog);
      for (int i = 1; i <= workerCount; i++) {
        Path work = Files.createDirectories(dir.resolve("worker-" + i));
        cluster.workers.add(
            spark.start(
                dir,
                "worker-" + i,
                List.of("-Xmx256m"),
                Map.of(),
                "org.apache.spark.deploy.worker.Worker",
                List.of(
                    "--host",
                    "127.0.0.1",
                    "--webui-port",
                    "0",
                    "--cores",
                    "1",
                    "--memory",
                    "1g",
                    "--work-dir",
                    work.toString(),
                    cluster.url())));
      }
      Loopback.await(
          workerCount + " workers registered",
          Duration.ofSeconds(60),
          master,
          () -> cluster.masterLog().split("Registering worker", -1).length - 1 == workerCount,
          cluster::masterLog);
    } catch (RuntimeException | Error | InterruptedException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public String url() {
    return "spark://127.0.0.1:" + port;
  }

  /** A worker's folder: one {@code app-*} folder per application, one folder per executor. */
  public Path workDir(int worker) {
    return dir.resolve("worker-" + worker);
  }

  public String masterLog() {
    try {
      return Files.readString(dir.resolve("master.out"), StandardCharsets.UTF_8)
          + Files.readString(dir.resolve("master.err"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    workers.forEach(SparkHome::stop);
    SparkHome.stop(master);
  }
}
