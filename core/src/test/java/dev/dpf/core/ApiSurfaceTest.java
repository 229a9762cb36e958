package dev.dpf.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.dpf.core.testing.CoreClasses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Core's public surface is its {@code api} (values), {@code storage} and {@code pipeline} packages,
 * and what they publish names no internal type (jobs' {@code LayersTest} checks that jobs uses
 * nothing else).
 */
class ApiSurfaceTest {
  private static final String INTERNAL = "dev.dpf.core.internal";
  private static final String[] SURFACE = {
    "dev.dpf.core.api..", "dev.dpf.core.storage..", "dev.dpf.core.pipeline.."
  };
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    core = CoreClasses.imported();
  }

  @Test
  void publicMethodsAndConstructorsOfTheApiNameNoInternalType() {
    codeUnits()
        .that()
        .areDeclaredInClassesThat()
        .resideInAnyPackage(SURFACE)
        .and()
        .arePublic()
        .should(nameNoInternalType())
        .check(core);
  }

  @Test
  void publicFieldsOfTheApiNameNoInternalType() {
    fields()
        .that()
        .areDeclaredInClassesThat()
        .resideInAnyPackage(SURFACE)
        .and()
        .arePublic()
        .should()
        .notHaveRawType(JavaClass.Predicates.resideInAPackage(INTERNAL + ".."))
        .check(core);
  }

  @Test
  void theApiIsSmall() {
    Map<String, Set<String>> published = new TreeMap<>();
    for (JavaClass c : core) {
      if (c.getModifiers().contains(JavaModifier.PUBLIC)
          && !c.getPackageName().startsWith(INTERNAL)
          && !c.isNestedClass()) {
        published.computeIfAbsent(c.getPackageName(), k -> new TreeSet<>()).add(c.getSimpleName());
      }
    }
    org.assertj.core.api.Assertions.assertThat(published)
        .containsExactly(
            Map.entry(
                "dev.dpf.core.api",
                new TreeSet<>(
                    List.of(
                        "ColumnOrigin",
                        "IngestHooks",
                        "LineageGraph",
                        "ModelSql",
                        "Planned",
                        "Protect",
                        "QualityResult",
                        "RawRoot",
                        "Selection",
                        "SqlErrors",
                        "Stage",
                        "SystemTables",
                        "TableResult"))),
            Map.entry("dev.dpf.core.pipeline", new TreeSet<>(List.of("LakeRuns", "Pipeline"))),
            Map.entry(
                "dev.dpf.core.storage",
                new TreeSet<>(
                    List.of(
                        "DeltaWriter",
                        "Lake",
                        "LakeCatalog",
                        "LakeLock",
                        "LocalFiles",
                        "SparkSetup"))));
  }

  private static ArchCondition<JavaCodeUnit> nameNoInternalType() {
    return new ArchCondition<>("name no type of " + INTERNAL) {
      @Override
      public void check(JavaCodeUnit unit, ConditionEvents events) {
        List<JavaType> types = new ArrayList<>(unit.getParameterTypes());
        types.add(unit.getReturnType());
        for (JavaType t : types) {
          for (JavaClass raw : t.getAllInvolvedRawTypes()) {
            if (raw.getPackageName().startsWith(INTERNAL)) {
              events.add(
                  SimpleConditionEvent.violated(
                      unit, unit.getFullName() + " names " + raw.getName()));
            }
          }
        }
      }
    };
  }
}
