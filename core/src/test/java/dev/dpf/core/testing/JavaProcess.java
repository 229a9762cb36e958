package dev.dpf.core.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A new JVM on the test classpath, with the options Spark needs on Java 17. */
public final class JavaProcess {
  /** The {@code --add-opens} Spark needs (ARCHITECTURE.md section 6). */
  public static final List<String> ADD_OPENS =
      List.of(
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
          "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
          "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

  /**
   * JIT settings for a test's child JVM, which lives a minute or less beside the test JVM on two
   * cores: the C1 compiler only. The C2 compiler's threads take more CPU than their code saves in
   * such a run (IngestCrashTest: 271 s with both compilers, 190 s with C1 only).
   */
  public static final List<String> SHORT_LIVED = List.of("-XX:TieredStopAtLevel=1");

  private JavaProcess() {}

  /**
   * Starts {@code java <options> -cp <test classpath> <args>} in {@code workDir}, its standard
   * output going to {@code out} and its standard error discarded.
   */
  public static Process start(Path workDir, Path out, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ADD_OPENS);
    command.addAll(SHORT_LIVED);
    command.addAll(
        List.of(
            "-Xmx1g",
            "-Duser.timezone=UTC",
            "-Dspark.ui.enabled=false",
            "-cp",
            System.getProperty("java.class.path")));
    command.addAll(Arrays.asList(args));
    return new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /**
   * Waits (up to three minutes) until the child has written {@code text} to {@code out}.
   *
   * @throws AssertionError when the child ends first or never writes it, with what it wrote
   */
  public static void awaitOutput(Process child, Path out, String text) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(3);
    String printed = "";
    while (System.nanoTime() < deadline) {
      printed =
          java.nio.file.Files.exists(out)
              ? java.nio.file.Files.readString(out, java.nio.charset.StandardCharsets.UTF_8)
              : "";
      if (printed.contains(text)) {
        return;
      }
      if (!child.isAlive()) {
        throw new AssertionError(
            "the child ended ("
                + child.exitValue()
                + ") before printing "
                + text
                + ":\n"
                + printed);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the child never printed " + text + ":\n" + printed);
  }
}
