package dev.dpf.core.testing;

import dev.dpf.core.api.IngestHooks;

/**
 * Ingest hooks that stop the process at one point: reaching it prints {@link #MARKER} and the
 * point's name, then blocks until the test kills the JVM.
 */
public record CrashAt(String point) implements IngestHooks {
  /** The line printed on reaching the point. */
  public static final String MARKER = "DPF-FAULT-POINT ";

  @Override
  public void reached(String name) {
    if (!name.equals(point)) {
      return;
    }
    System.out.println(MARKER + name);
    System.out.flush();
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
