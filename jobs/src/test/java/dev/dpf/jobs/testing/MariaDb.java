package dev.dpf.jobs.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private MariaDB server on loopback (the Debian package, which {@code bin/test} installs): its
 * own data folder and socket under the test's folder, no systemd, stopped on close.
 */
public final class MariaDb implements AutoCloseable {
  private final Process process;
  private final Path socket;
  private final int port;
  private final Path dir;

  private MariaDb(Process process, Path socket, int port, Path dir) {
    this.process = process;
    this.socket = socket;
    this.port = port;
    this.dir = dir;
  }

  public static MariaDb start(Path dir) throws IOException, InterruptedException {
    String server = binary("mariadbd");
    Path data = dir.resolve("mariadb-data");
    Files.createDirectories(data);
    String user = System.getProperty("user.name");
    run(
        dir,
        null,
        binary("mariadb-install-db"),
        "--no-defaults",
        "--datadir=" + data,
        "--user=" + user,
        "--auth-root-authentication-method=normal",
        "--skip-test-db");
    Path socket = dir.resolve("mariadb.sock");
    int port = Loopback.freePort();
    Path log = dir.resolve("mariadb.log");
    Process p =
        new ProcessBuilder(
                server,
                "--no-defaults",
                "--datadir=" + data,
                "--socket=" + socket,
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--user=" + user,
                "--pid-file=" + dir.resolve("mariadb.pid"),
                "--innodb-buffer-pool-size=64M",
                "--skip-name-resolve")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Loopback.await(
        "MariaDB", Duration.ofSeconds(60), p, () -> Loopback.listening(port), Loopback.log(log));
    return new MariaDb(p, socket, port, dir);
  }

  private static String binary(String name) {
    for (String d : new String[] {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}) {
      if (Files.isExecutable(Path.of(d, name))) {
        return Path.of(d, name).toString();
      }
    }
    throw new IllegalStateException(
        name
            + " is not installed: the MariaDB server comes from the Debian package"
            + " (apt-get install mariadb-server; bin/test does this)");
  }

  /** Runs the client as root over the socket with {@code sql} on standard input; returns output. */
  public String sql(String sql) throws IOException, InterruptedException {
    Path input = Files.createTempFile(dir, "sql", ".sql");
    Files.writeString(input, sql, StandardCharsets.UTF_8);
    return client(input);
  }

  /** Loads a SQL script, such as a dump, as it is (byte for byte). */
  public void load(Path script) throws IOException, InterruptedException {
    client(script);
  }

  private String client(Path input) throws IOException, InterruptedException {
    return run(
        dir,
        input,
        binary("mariadb"),
        "--no-defaults",
        "--socket=" + socket,
        "--user=root",
        "--batch",
        "--skip-column-names",
        "--default-character-set=utf8mb4");
  }

  public String jdbcUrl(String database) {
    return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
  }

  private static String run(Path dir, Path input, String... command)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile(dir, "out", ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(new ArrayList<>(List.of(command)))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    if (input != null) {
      pb.redirectInput(input.toFile());
    }
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(command[0] + " did not finish in 120 s");
    }
    String out = Files.readString(output, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IllegalStateException(command[0] + " exited with " + p.exitValue() + ":\n" + out);
    }
    return out;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
