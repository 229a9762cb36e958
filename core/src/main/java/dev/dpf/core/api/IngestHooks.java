package dev.dpf.core.api;

import static org.apache.spark.sql.functions.udf;

import dev.dpf.core.internal.ingest.ParsedRecord;
import java.io.Serializable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * Told how far an ingest got, at named points: {@value #PLANNED} (its batch planned in the ingest
 * log), {@value #READING} (in the task reading a raw file, after each record), {@value #WRITING}
 * (in the task writing the consolidated rows), {@value #WRITTEN} (the rows committed) and {@value
 * #QUARANTINED} (the quarantine committed). A crash test stops the process at one of them; a run
 * uses {@link #NONE}. Implementations are sent to the executors, so they are serializable.
 */
public interface IngestHooks extends Serializable {
  String PLANNED = "ingest:planned";
  String READING = "ingest:reading";
  String WRITING = "ingest:writing";
  String WRITTEN = "ingest:written";
  String QUARANTINED = "ingest:quarantined";

  /** Hooks that do nothing. */
  IngestHooks NONE = point -> {};

  /** The ingest reached {@code point}. */
  void reached(String point);

  /** {@code rows}, telling {@link #reached} inside each task that produces them. */
  default Dataset<Row> during(String point, Dataset<Row> rows) {
    if (this == NONE) {
      return rows;
    }
    IngestHooks hooks = this;
    UDF1<Long, Boolean> tell =
        n -> {
          hooks.reached(point);
          return true;
        };
    Column keep = udf(tell, DataTypes.BooleanType).apply(rows.col(ParsedRecord.ROW_NUMBER));
    return rows.filter(keep);
  }
}
