package dev.dpf.core.testing;

import dev.dpf.core.storage.SparkSetup;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One SparkSession per test JVM ({@code local[2]}, few partitions, interpreted expressions, no UI,
 * UTC, Delta, the in-memory catalog dpf processes use), injected as a test or constructor
 * parameter. It is stopped when the JVM exits.
 */
public final class SparkExtension implements ParameterResolver {
  private static SparkSession session;

  public static synchronized SparkSession session() {
    if (session == null || session.sparkContext().isStopped()) {
      // (stopped: a test ran a command in process that made and stopped the JVM's session)
      session =
          SparkSetup.localCatalog(
                  SparkSetup.smallLocal(
                      SparkSetup.delta(
                          SparkSession.builder().appName("dpf-tests").master("local[2]"))))
              .config("spark.sql.shuffle.partitions", "2")
              // Test tables hold a few rows: compiling generated code for each new query costs more
              // than it saves, so expressions are interpreted (about a quarter off CdcMergeTest).
              .config("spark.sql.codegen.wholeStage", "false")
              .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
    }
    return session;
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
