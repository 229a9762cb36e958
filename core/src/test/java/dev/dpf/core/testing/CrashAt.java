package dev.dpf.core.testing;

import dev.dpf.core.api.IngestHooks;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ingest hooks that stop the process at one point: reaching it prints {@link #MARKER} and the
 * point's name, then blocks until the test kills the JVM, or (given a release file) until the test
 * creates that file, when the process goes on.
 *
 * @param release the file whose creation lets the process go on (a path: hooks are serializable);
 *     null: only killing ends it
 */
public record CrashAt(String point, String release) implements IngestHooks {
  /** The line printed on reaching the point. */
  public static final String MARKER = "DPF-FAULT-POINT ";

  public CrashAt(String point) {
    this(point, null);
  }

  @Override
  public void reached(String name) {
    if (!name.equals(point)) {
      return;
    }
    System.out.println(MARKER + name);
    System.out.flush();
    while (release == null || !Files.exists(Path.of(release))) {
      try {
        Thread.sleep(release == null ? 60_000 : 100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
