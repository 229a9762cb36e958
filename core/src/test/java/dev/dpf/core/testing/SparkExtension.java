package dev.dpf.core.testing;

import dev.dpf.core.api.SparkSetup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One SparkSession per test JVM ({@code local[2]}, few partitions, interpreted expressions, no UI,
 * UTC, Delta, an embedded catalog in a temporary folder), injected as a test or constructor
 * parameter. It is stopped, and its catalog folder deleted, when the JVM exits.
 */
public final class SparkExtension implements ParameterResolver {
  private static SparkSession session;

  public static synchronized SparkSession session() {
    if (session == null || session.sparkContext().isStopped()) {
      // (stopped: a test ran a command in process that made and stopped the JVM's session)
      Path catalog;
      try {
        catalog = Files.createTempDirectory("dpf-test-catalog");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      System.setProperty(SparkSetup.DERBY_LOG_PROPERTY, SparkSetup.derbyLog(catalog).toString());
      session =
          SparkSetup.localCatalog(
                  SparkSetup.smallLocal(
                      SparkSetup.delta(
                          SparkSession.builder().appName("dpf-tests").master("local[2]"))),
                  catalog)
              .config("spark.sql.shuffle.partitions", "2")
              // Test tables hold a few rows: compiling generated code for each new query costs more
              // than it saves, so expressions are interpreted (about a quarter off CdcMergeTest).
              .config("spark.sql.codegen.wholeStage", "false")
              .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .getOrCreate();
      Path made = catalog;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    session.stop();
                    deleteTree(made);
                  }));
    }
    return session;
  }

  /**
   * Deletes the folder and what it holds, as far as it can: a test JVM leaves no catalog behind.
   */
  private static void deleteTree(Path root) {
    try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a folder under the system's temporary directory: left for it to clean
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return session();
  }
}
