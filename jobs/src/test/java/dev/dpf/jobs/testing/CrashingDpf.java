package dev.dpf.jobs.testing;

import dev.dpf.core.testing.CrashAt;
import dev.dpf.jobs.cli.Dpf;
import dev.dpf.jobs.run.StageRunner;
import java.util.Arrays;

/**
 * {@code dpf} in a JVM a test starts and kills: {@code CrashingDpf POINT ARGS...} runs {@code dpf
 * ARGS...} and stops at the ingest point {@code POINT} ({@link CrashAt}); {@code CrashingDpf POINT
 * --release FILE ARGS...} holds there until the test creates {@code FILE}, then goes on.
 */
public final class CrashingDpf {
  private CrashingDpf() {}

  public static void main(String[] args) {
    boolean held = args.length > 2 && args[1].equals("--release");
    StageRunner.hooks(new CrashAt(args[0], held ? args[2] : null));
    Dpf.main(Arrays.copyOfRange(args, held ? 3 : 1, args.length));
  }
}
