package dev.dpf.jobs.testing;

import dev.dpf.jobs.cli.Dpf;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One {@code dpf} command run in-process: its exit code and what it printed. */
public record CliRun(int code, String out, String err) {
  /**
   * The arguments of {@code dpf run} on a raw root under {@code dir} ({@code dir/raw}), the lake
   * and the definition, on one local core, with {@code more} options; without a report unless
   * {@code more} asks for one ({@code --report DIR}).
   */
  public static String[] runArgs(
      java.nio.file.Path dir,
      java.nio.file.Path lake,
      java.nio.file.Path definition,
      String... more) {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "run",
                "--raw",
                dir.resolve("raw").toString(),
                "--lake",
                lake.toString(),
                "--definition",
                definition.toString(),
                "--master",
                "local[1]"));
    args.addAll(java.util.List.of(more));
    if (!args.contains("--report")) {
      args.add("--no-report"); // the report has tests of its own; the others spare its second
    }
    return args.toArray(String[]::new);
  }

  /** {@code dpf run} in-process with {@link #runArgs}. */
  public static CliRun run(
      java.nio.file.Path dir,
      java.nio.file.Path lake,
      java.nio.file.Path definition,
      String... more) {
    return dpf(runArgs(dir, lake, definition, more));
  }

  public static CliRun dpf(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Dpf.execute(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
