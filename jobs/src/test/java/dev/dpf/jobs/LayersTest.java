package dev.dpf.jobs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the compiled classes of jobs may use of core: its public packages ({@code api}, {@code
 * storage}, {@code pipeline}), nothing internal, and the lake's writer only through a pipeline.
 */
class LayersTest {
  private static JavaClasses jobs;

  @BeforeAll
  static void importJobs() {
    // jobs' own classes folder only: scanning the whole class path for the package reads every jar.
    jobs =
        new ClassFileImporter()
            .importUrl(
                dev.dpf.jobs.cli.Dpf.class.getProtectionDomain().getCodeSource().getLocation());
  }

  @Test
  void jobsCallsCoreThroughItsApiOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.dpf.jobs..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.dpf.core.internal..")
        .because(
            "core's public surface is api, storage and pipeline; its internal packages may change")
        .check(jobs);
  }

  @Test
  void jobsWritesTheLakeThroughAPipelineOnly() {
    noClasses()
        .that()
        .resideInAPackage("dev.dpf.jobs..")
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("dev.dpf.core.storage.DeltaWriter")
        .because("a run's writes share one writer, which the pipeline makes")
        .check(jobs);
  }

  @Test
  void theGlueEntryPointsLeaveTheCommandLineAlone() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.dpf.jobs.glue..", "dev.dpf.jobs.run..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.dpf.jobs.cli..", "picocli..")
        .because("the Glue jar carries glue and run but not the CLI or picocli")
        .check(jobs);
  }
}
