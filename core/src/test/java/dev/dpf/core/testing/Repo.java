package dev.dpf.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations in the checkout and beside it, for tests. */
public final class Repo {
  private Repo() {}

  /**
   * The repository root (set by the build as {@code dpf.repo.root}; else found from the working
   * folder).
   */
  public static Path root() {
    String p = System.getProperty("dpf.repo.root");
    if (p != null && Files.exists(Path.of(p, "src", "pipeline.yaml"))) {
      return Path.of(p);
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.exists(d.resolve("src/pipeline.yaml")) && Files.exists(d.resolve("core"))) {
        return d;
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root from " + Path.of("").toAbsolutePath());
  }

  /** The shared seed data folder ({@code ../shared/seed-data} from the repository root). */
  public static Path seedData() {
    return root().resolve("../shared/seed-data").normalize();
  }
}
