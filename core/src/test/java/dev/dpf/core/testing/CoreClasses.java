package dev.dpf.core.testing;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;

/** Core's compiled classes, for the architecture tests. */
public final class CoreClasses {
  private static JavaClasses classes;

  private CoreClasses() {}

  /**
   * Core's own classes folder only, imported once: scanning the whole class path for the package
   * reads every jar.
   */
  public static synchronized JavaClasses imported() {
    if (classes == null) {
      classes =
          new ClassFileImporter()
              .importUrl(
                  dev.dpf.core.pipeline.Pipeline.class
                      .getProtectionDomain()
                      .getCodeSource()
                      .getLocation());
    }
    return classes;
  }
}
