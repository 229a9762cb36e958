package dev.dpf.core.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The api package is core's whole public surface, and what it publishes names no internal type
 * (jobs' {@code LayersTest} checks that jobs uses nothing else).
 */
class ApiSurfaceTest {
  private static final String INTERNAL = "dev.dpf.core.internal";
  private static JavaClasses core;

  @BeforeAll
  static void importCore() {
    // core's own classes folder only: scanning the whole class path for the package reads every
    // jar.
    core =
        new ClassFileImporter()
            .importUrl(Pipeline.class.getProtectionDomain().getCodeSource().getLocation());
  }

  @Test
  void publicMethodsAndConstructorsOfTheApiNameNoInternalType() {
    codeUnits()
        .that()
        .areDeclaredInClassesThat()
        .resideInAPackage("dev.dpf.core.api..")
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
        .resideInAPackage("dev.dpf.core.api..")
        .and()
        .arePublic()
        .should()
        .notHaveRawType(JavaClass.Predicates.resideInAPackage(INTERNAL + ".."))
        .check(core);
  }

  @Test
  void theApiIsSmall() {
    Set<String> published = new TreeSet<>();
    for (JavaClass c : core) {
      if (c.getModifiers().contains(JavaModifier.PUBLIC)
          && c.getPackageName().equals("dev.dpf.core.api")
          && !c.isNestedClass()) {
        published.add(c.getSimpleName());
      }
    }
    org.assertj.core.api.Assertions.assertThat(published)
        .containsExactly(
            "ColumnOrigin",
            "IngestHooks",
            "Lake",
            "LakeLock",
            "LineageGraph",
            "ModelSql",
            "Pipeline",
            "Planned",
            "Protect",
            "QualityResult",
            "RawRoot",
            "Selection",
            "SparkSetup",
            "SqlErrors",
            "Stage",
            "SystemTables",
            "TableResult");
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
