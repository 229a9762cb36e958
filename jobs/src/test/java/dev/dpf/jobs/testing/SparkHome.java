package dev.dpf.jobs.testing;

import dev.dpf.core.testing.JavaProcess;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Spark installation made from the Maven repository, without downloading a distribution: a folder
 * whose {@code jars/} links every jar of the test classpath that Spark, Delta, Hive and Hadoop
 * (with s3a) need, as Glue 5.0 provides them, and none of ours. Our code reaches its processes only
 * in the Glue job jar. Masters, workers and the executors they start, and spark-submit itself, all
 * run from it, with the options Spark needs on Java 17.
 */
public final class SparkHome {
  /**
   * Path parts of test-classpath jars that are not the Spark runtime: our own (from the Maven
   * repository or a module's target folder), what the Glue job jar carries itself, the CLI's line
   * editor, and test libraries.
   */
  private static final List<String> NOT_SPARK =
      List.of(
          "/dpf-",
          "/info/picocli/",
          "/org/yaml/",
          "/jackson-dataformat-yaml/",
          "/org/jline/",
          "/org/junit/",
          "/org/opentest4j/",
          "/org/apiguardian/",
          "/org/assertj/",
          "/net/bytebuddy/");

  private final Path home;

  private SparkHome(Path home) {
    this.home = home;
  }

  /** Links the Spark runtime's jars under {@code dir/jars}. */
  public static SparkHome create(Path dir) throws IOException {
    Path jars = Files.createDirectories(dir.resolve("jars"));
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      String unixPath = p.toString().replace('\\', '/');
      if (entry.endsWith(".jar")
          && NOT_SPARK.stream().noneMatch(unixPath::contains)
          && !Files.exists(jars.resolve(p.getFileName()))) {
        Files.createSymbolicLink(jars.resolve(p.getFileName()), p);
      }
    }
    return new SparkHome(dir);
  }

  /** Names of the jars in this installation. */
  public List<String> jars() throws IOException {
    try (var files = Files.list(home.resolve("jars"))) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * Starts {@code java <Spark's Java 17 options> <jvmOptions> -cp <jars> mainClass args} in {@code
   * workDir} with {@code SPARK_HOME} (and the Scala version the workers' executor launcher needs)
   * set, everything bound to loopback, and standard output and error going to {@code
   * workDir/<name>.out} and {@code .err}.
   */
  public Process start(
      Path workDir,
      String name,
      List<String> jvmOptions,
      Map<String, String> env,
      String mainClass,
      List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JavaProcess.ADD_OPENS);
    command.addAll(JavaProcess.SHORT_LIVED);
    command.add("-Duser.timezone=UTC");
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", home.resolve("jars") + File.separator + "*", mainClass));
    command.addAll(args);
    Files.createDirectories(workDir);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectOutput(workDir.resolve(name + ".out").toFile())
            .redirectError(workDir.resolve(name + ".err").toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Stops a process and everything it started (a worker's executors), and waits for them. */
  public static void stop(Process p) {
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    all.add(p.toHandle());
    all.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
  }
}
