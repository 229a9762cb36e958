package dev.dpf.jobs.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.JavaProcess;
import dev.dpf.jobs.cli.Dpf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dpf sql} as a script in a pipeline, in its own process: statements on standard input, no
 * banner or prompt, results alone on standard output, the error on standard error, exit code 1.
 */
class SqlPipeTest {
  @Test
  void statementsPipedOnStandardInputRunAsAScript(@TempDir Path dir) throws Exception {
    Path lake = Files.createDirectories(dir.resolve("lake/curated"));
    Path script = dir.resolve("script.sql");
    Files.writeString(
        script,
        "select 'a;b' as x, array(1, 2) as xs;\n"
            + "select id from range(3);\n"
            + "select nope;\n"
            + "select 4 as never;\n");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JavaProcess.ADD_OPENS);
    command.addAll(JavaProcess.SHORT_LIVED);
    command.addAll(
        List.of(
            "-Xmx1g",
            "-Duser.timezone=UTC",
            "-cp",
            System.getProperty("java.class.path"),
            Dpf.class.getName(),
            "sql",
            "--lake",
            lake.getParent().toString(),
            "--master",
            "local[1]",
            "--format",
            "json",
            "--max-rows",
            "2"));
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectInput(script.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(Files.readString(out, StandardCharsets.UTF_8))
        .isEqualTo("{\"x\":\"a;b\",\"xs\":[1,2]}\n\n{\"id\":0}\n{\"id\":1}\n");
    assertThat(Files.readAllLines(err).stream().filter(l -> l.startsWith("dpf:")))
        .containsExactly(
            "dpf: showing the first 2 row(s) of statement 2's result; it has more (raise"
                + " --max-rows)",
            "dpf: statement 3 of 4 (line 3) failed: [UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A"
                + " column or function parameter with name `nope` cannot be resolved. ; line 1"
                + " pos 7;");
  }
}
