package dev.dpf.jobs.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AWS tools take credentials only from the SDK's default chain; with none anywhere they stop
 * with one line that says where they looked. Run in a new JVM whose environment has no AWS
 * variables and whose home has no ~/.aws.
 */
class AwsCredentialsTest {
  @TempDir Path home;

  @Test
  void noCredentialsAnywhereIsOneClearLine() throws Exception {
    Path file = Files.writeString(home.resolve("t.csv"), "t");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-Duser.home=" + home,
            "-cp",
            System.getProperty("java.class.path"),
            "dev.dpf.jobs.cli.Dpf",
            "upload",
            "--bucket",
            "raw",
            "--endpoint",
            "http://127.0.0.1:9",
            file.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
    pb.environment().put("HOME", home.toString());
    Path err = home.resolve("err.txt");
    pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(Files.readString(err, StandardCharsets.UTF_8))
        .isEqualTo(
            "dpf: No AWS credentials found. dpf uses the AWS SDK's default chain: the environment"
                + " (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), an AWS_PROFILE or the default"
                + " profile in ~/.aws, web identity, or a container or instance role\n");
  }
}
