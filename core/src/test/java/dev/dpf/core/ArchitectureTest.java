package dev.dpf.core;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import dev.dpf.core.testing.CoreClasses;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Core's floors, on its compiled classes. From the ground up: the values every package uses ({@code
 * api}: names, results, plans, hooks, selection, lineage), the lake's storage ({@code storage}:
 * where tables are, their reads and writes, the session's catalog), the parts that work on rows and
 * the pipeline's own tables ({@code internal.ingest}, {@code transform}, {@code quality}, {@code
 * pii}, {@code system}), the stages that decide and act per table ({@code internal.stage}), and on
 * top the entry point that builds a run ({@code pipeline}). Each floor uses only the floors under
 * it, and no two packages use each other.
 */
class ArchitectureTest {
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core = CoreClasses.imported();
  }

  @Test
  void eachFloorUsesOnlyTheFloorsUnderIt() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Entry")
        .definedBy("dev.dpf.core.pipeline..")
        .layer("Stages")
        .definedBy("dev.dpf.core.internal.stage..")
        .layer("Parts")
        .definedBy(
            "dev.dpf.core.internal.ingest..",
            "dev.dpf.core.internal.transform..",
            "dev.dpf.core.internal.quality..",
            "dev.dpf.core.internal.pii..",
            "dev.dpf.core.internal.system..")
        .layer("Storage")
        .definedBy("dev.dpf.core.storage..")
        .layer("Values")
        .definedBy("dev.dpf.core.api..")
        .whereLayer("Entry")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("Stages")
        .mayOnlyBeAccessedByLayers("Entry")
        .whereLayer("Parts")
        .mayOnlyBeAccessedByLayers("Stages", "Entry")
        .whereLayer("Storage")
        .mayOnlyBeAccessedByLayers("Parts", "Stages", "Entry")
        .whereLayer("Values")
        .mayOnlyBeAccessedByLayers("Storage", "Parts", "Stages", "Entry")
        .check(core);
  }

  @Test
  void noTwoPackagesUseEachOther() {
    slices().matching("dev.dpf.core.(**)").should().beFreeOfCycles().check(core);
  }
}
