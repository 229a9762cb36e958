import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The copy limit the pipeline is measured against: Spark's own copy of a raw root's source folders
 * into one Delta table each, with no logic (spark.read.json/csv/parquet, then
 * write.format("delta")), in one JVM with the same settings as bin/dpf. Prints the seconds spent
 * after the session started, and the rows copied.
 *
 * <p>Run by bench/pipeline.sh: java [JVM flags] -cp CLASSPATH bench/SparkCopy.java RAW OUT FOLDER...
 */
public final class SparkCopy {
  public static void main(String[] args) throws Exception {
    Path raw = Path.of(args[0]).toAbsolutePath();
    String out = Path.of(args[1]).toAbsolutePath().toString();
    SparkSession spark =
        dev.dpf.core.storage.SparkSetup.smallLocal(
                dev.dpf.core.storage.SparkSetup.delta(
                    SparkSession.builder().appName("spark-copy").master("local[*]")))
            .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    long start = System.nanoTime();
    long rows = 0;
    List<Path> folders =
        Stream.of(args).skip(2).map(raw::resolve).filter(Files::isDirectory).toList();
    for (Path folder : folders) {
      String format = format(folder);
      if (format == null) {
        continue;
      }
      Dataset<Row> rowsIn =
          spark
              .read()
              .format(format)
              .option("header", "true")
              .option("recursiveFileLookup", "true")
              .load(folder.toString());
      rowsIn.write().format("delta").mode("overwrite").save(out + "/" + folder.getFileName());
      long n = spark.read().format("delta").load(out + "/" + folder.getFileName()).count();
      rows += n;
      System.out.printf("copy %-14s %,10d rows (%s)%n", folder.getFileName(), n, format);
    }
    System.out.printf("copy total %,d rows in %.1f s%n", rows, (System.nanoTime() - start) / 1e9);
    spark.stop();
  }

  /** The format of a source folder's files, from their names; null if it has none. */
  private static String format(Path folder) throws Exception {
    try (Stream<Path> s = Files.walk(folder)) {
      for (Path f : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
        String n = f.getFileName().toString();
        if (n.endsWith(".parquet")) {
          return "parquet";
        }
        if (n.contains(".csv")) {
          return "csv";
        }
        if (n.contains(".json") || n.endsWith(".gz") || !n.contains(".")) {
          return "json";
        }
      }
    }
    return null;
  }
}
