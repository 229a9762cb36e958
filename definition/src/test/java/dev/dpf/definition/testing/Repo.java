package dev.dpf.definition.testing;

import java.nio.file.Path;

/** The checkout, for the definition's tests. */
public final class Repo {
  private Repo() {}

  /** The repository root, which the build passes as {@code dpf.repo.root}. */
  public static Path root() {
    String p = System.getProperty("dpf.repo.root");
    if (p == null) {
      throw new IllegalStateException("dpf.repo.root is not set: run the tests with Maven");
    }
    return Path.of(p);
  }
}
