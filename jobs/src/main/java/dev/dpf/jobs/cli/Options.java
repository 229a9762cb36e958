package dev.dpf.jobs.cli;

import dev.dpf.jobs.run.Sessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** The option groups the commands mix in. */
final class Options {
  private Options() {}

  /** Levels {@code --log-level} takes. */
  enum LogLevel {
    ERROR,
    WARN,
    INFO,
    DEBUG
  }

  /** Options of the commands that start Spark: the definition and Spark's settings. */
  static class SessionOptions {
    @Option(
        names = "--definition",
        paramLabel = "FILE",
        description =
            "Pipeline definition: a file or a Hadoop URI such as s3a://bucket/pipeline.yaml"
                + " (default: src/pipeline.yaml of this checkout, else the one in the jar).")
    String definition;

    @Option(
        names = "--master",
        paramLabel = "URL",
        defaultValue = "local[*]",
        description = "Spark master for this local run (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(
        names = "--log-level",
        paramLabel = "LEVEL",
        description =
            "Level of the logs on standard error: error, warn, info or debug (default: warn).")
    LogLevel logLevel;

    @Option(
        names = "--conf",
        paramLabel = "KEY=VALUE",
        description =
            "A Spark setting for this process, as spark-submit's --conf (repeatable), for example"
                + " --conf spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:9000.")
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

    /** The settings of the session these options ask for. */
    Sessions.Settings settings() {
      return new Sessions.Settings(master, logLevel == null ? null : logLevel.name(), conf);
    }

    /** A session that reads no lake (see {@link Sessions#withoutLake}). */
    SparkSession withoutLake() {
      return Sessions.withoutLake(settings());
    }

    Optional<String> definitionFile() {
      if (definition != null) {
        return Optional.of(definition);
      }
      return Startup.home()
          .map(h -> h.resolve("src/pipeline.yaml"))
          .filter(Files::exists)
          .map(Path::toString);
    }
  }

  /** Options shared by the commands that read the lake. */
  static final class LakeOptions extends SessionOptions {
    @Option(
        names = "--lake",
        paramLabel = "DIR",
        defaultValue = "lake",
        description = "Lake root (default: ${DEFAULT-VALUE}, in the current folder).")
    String lake;

    /**
     * The session of a command that writes the lake, holding its lock (see {@link Sessions#local}).
     */
    SparkSession local(String command) {
      return Sessions.local(settings(), lake, command);
    }

    /**
     * The session of a command that only reads a lake that must exist, taking no lock (see {@link
     * Sessions#existing}).
     */
    SparkSession existing() {
      return Sessions.existing(settings(), lake);
    }
  }

  /** Which tables a command takes: {@code --select} and {@code --exclude}. */
  static final class SelectOptions {
    @Option(
        names = {"-s", "--select"},
        arity = "1..*",
        paramLabel = "SPEC",
        description =
            "Only these tables: zone.table or a table's name, source:NAME, zone:ZONE, tag:NAME; +x"
                + " adds what x reads, x+ what reads x. As in dbt, specs apart add up and specs"
                + " joined by commas intersect (tag:a,tag:b: tables with both tags). The others"
                + " say 'not selected'.")
    List<String> select = new java.util.ArrayList<>();

    @Option(
        names = "--exclude",
        arity = "1..*",
        paramLabel = "SPEC",
        description = "Leave out these tables (the same specs as --select).")
    List<String> exclude = new java.util.ArrayList<>();
  }

  /** Options of the commands that read the raw zone. */
  static final class RawOptions {
    @Option(
        names = "--raw",
        paramLabel = "DIR",
        description =
            "Raw root, laid out as streaming/, dms/ and files/ (default: sample-data of this checkout).")
    String raw;

    @Option(
        names = "--reingest",
        arity = "1..*",
        paramLabel = "SOURCE",
        description =
            "Read every raw file of these sources again, replacing their consolidated tables (and"
                + " their ingest quarantine) instead of appending; their datasets are rebuilt. Says"
                + " what it will replace before it starts. Consolidated tables are otherwise"
                + " append-only.")
    List<String> reingest = new java.util.ArrayList<>();

    String raw() {
      return raw != null ? raw : defaultRaw();
    }
  }

  /** The raw root when none is given: the checkout's sample data. */
  static String defaultRaw() {
    return Startup.home().map(h -> h.resolve("sample-data").toString()).orElse("sample-data");
  }
}
