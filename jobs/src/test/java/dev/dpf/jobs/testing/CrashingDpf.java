package dev.dpf.jobs.testing;

import dev.dpf.core.testing.CrashAt;
import dev.dpf.jobs.cli.Dpf;
import dev.dpf.jobs.run.StageRunner;
import java.util.Arrays;

/**
 * {@code dpf} in a JVM a test starts and kills: {@code CrashingDpf POINT ARGS...} runs {@code dpf
 * ARGS...} and stops at the ingest point {@code POINT} ({@link CrashAt}).
 */
public final class CrashingDpf {
  private CrashingDpf() {}

  public static void main(String[] args) {
    StageRunner.hooks(new CrashAt(args[0]));
    Dpf.main(Arrays.copyOfRange(args, 1, args.length));
  }
}
