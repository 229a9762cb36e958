package dev.dpf.core.ingest;

import static org.apache.spark.sql.functions.udf;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * Named points in the ingest where a crash test stops the process: with the system property {@code
 * dpf.faultPoint} set to a point's name, reaching it prints {@code DPF-FAULT-POINT <name>} and
 * blocks until the test kills the JVM. Unset (always, outside those tests), a point does nothing.
 */
public final class FaultPoint {
  /** The property naming the point to stop at. */
  public static final String PROPERTY = "dpf.faultPoint";

  /** The line printed on reaching the armed point. */
  public static final String MARKER = "DPF-FAULT-POINT ";

  private static final String ARMED = System.getProperty(PROPERTY);

  private FaultPoint() {}

  /** Stops here if this point is armed. */
  public static void reach(String name) {
    if (name.equals(ARMED)) {
      System.out.println(MARKER + name);
      System.out.flush();
      while (true) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** {@code rows}, stopping inside the task that produces them if this point is armed. */
  public static Dataset<Row> during(String name, Dataset<Row> rows) {
    if (!name.equals(ARMED)) {
      return rows;
    }
    UDF1<Long, Boolean> stop =
        n -> {
          reach(name);
          return true;
        };
    Column keep = udf(stop, DataTypes.BooleanType).apply(rows.col(ParsedRecord.ROW_NUMBER));
    return rows.filter(keep);
  }
}
