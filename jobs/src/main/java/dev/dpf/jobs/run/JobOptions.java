package dev.dpf.jobs.run;

import dev.dpf.core.DpfException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What every entry point needs: where the raw zone, the lake and the definition are. The CLI fills
 * it from its options; the job mains from Glue-style {@code --key value} arguments.
 *
 * @param raw raw root (local folder or Hadoop URI)
 * @param lake lake root (local folder or Hadoop URI)
 * @param definition the pipeline.yaml to use; empty for the one packaged in the jar
 * @param results where to write the run's results as JSON ({@link RunResults}), if anywhere
 * @param failOnWarn whether a quality rule that warned fails the run (after it wrote everything)
 * @param select {@code --select} specs ({@link dev.dpf.core.api.Selection}); empty: every table
 * @param exclude {@code --exclude} specs
 * @param fullRefresh whether datasets and models are rebuilt whatever the logs say
 * @param reingest sources whose raw files are all read again, replacing their consolidated tables
 * @param allowEmpty whether a full refresh may replace a table that has rows by none
 * @param piiKeySecret the AWS Secrets Manager secret (name or ARN) holding the PII hashing key
 *     ({@link PiiKeySecret}); empty: the key comes from where {@code PiiKey} looks
 * @param erase for the erase job: the data subject, {@code DATASET KEY=VALUE [KEY=VALUE...]}
 * @param purge for the erase job: whether the erased rows' files leave storage at once
 */
public record JobOptions(
    String raw,
    String lake,
    Optional<String> definition,
    Optional<String> results,
    boolean failOnWarn,
    List<String> select,
    List<String> exclude,
    boolean fullRefresh,
    List<String> reingest,
    boolean allowEmpty,
    Optional<String> piiKeySecret,
    Optional<String> erase,
    boolean purge) {
  public JobOptions {
    select = List.copyOf(select);
    exclude = List.copyOf(exclude);
    reingest = List.copyOf(reingest);
  }

  /** Options without a results file, not failing on warnings, every table selected. */
  public JobOptions(String raw, String lake, Optional<String> definition) {
    this(
        raw,
        lake,
        definition,
        Optional.empty(),
        false,
        List.of(),
        List.of(),
        false,
        List.of(),
        false,
        Optional.empty(),
        Optional.empty(),
        false);
  }

  /** Our own argument keys. */
  static final Set<String> KEYS =
      Set.of(
          "raw",
          "lake",
          "definition",
          "results",
          "fail-on-warn",
          "select",
          "exclude",
          "full-refresh",
          "reingest",
          "allow-empty",
          "pii-key-secret",
          "erase",
          "purge");

  /** How the job arguments are listed in messages. */
  private static final String OURS =
      "--raw, --lake, --definition, --results, --fail-on-warn, --select, --exclude,"
          + " --full-refresh, --reingest, --allow-empty, --pii-key-secret, --erase, --purge";

  /**
   * Arguments Glue passes to jobs itself (with a value); they are accepted and ignored. AWS adds
   * reserved arguments over time: any other key is accepted and logged too, unless it looks like a
   * mistyped one of ours ({@link #mistyped}), which is an error, so a mistyped {@code --lake} is
   * not silently ignored.
   */
  static final Set<String> GLUE_KEYS =
      Set.of(
          "JOB_NAME",
          "JOB_ID",
          "JOB_RUN_ID",
          "SECURITY_CONFIGURATION",
          "TempDir",
          "RedshiftTempDir",
          "job-bookmark-option",
          "job-bookmark-from",
          "job-bookmark-to",
          "continuation-option",
          "encryption-type",
          "job-language",
          "class",
          "extra-jars",
          "extra-files",
          "extra-py-files",
          "user-jars-first",
          "datalake-formats",
          "conf",
          "enable-glue-datacatalog",
          "enable-metrics",
          "enable-observability-metrics",
          "enable-continuous-cloudwatch-log",
          "enable-continuous-log-filter",
          "continuous-log-logGroup",
          "continuous-log-logStreamPrefix",
          "continuous-log-conversionPattern",
          "enable-spark-ui",
          "spark-event-logs-path",
          "enable-job-insights",
          "enable-auto-scaling",
          "additional-python-modules",
          "python-modules-installer-option",
          "scriptLocation",
          "executor-cores",
          "write-shuffle-files-to-s3",
          "write-shuffle-spills-to-s3",
          "shuffle-storage-path",
          "job-run-queuing-enabled");

  /**
   * Parses Glue-style arguments: {@code --key value} or {@code --key=value}. Glue's own keys are
   * ignored; other keys that are not ours are logged and ignored.
   *
   * @throws DpfException on a mistyped key of ours, a key without a value, or a missing lake
   */
  public static JobOptions fromJobArgs(String[] args) {
    // Standard error: the job's log (CloudWatch on Glue).
    return fromJobArgs(args, line -> System.err.println("dpf: " + line));
  }

  /** As above; what is ignored is told to {@code ignored}, one line. */
  public static JobOptions fromJobArgs(String[] args, java.util.function.Consumer<String> ignored) {
    List<String> unknown = new ArrayList<>();
    List<String> others = new ArrayList<>();
    Map<String, String> values = values(args, unknown, others);
    if (!unknown.isEmpty()) {
      throw new DpfException(
          "Unknown job argument(s): " + String.join(", ", unknown) + ". dpf's are " + OURS);
    }
    if (!others.isEmpty()) {
      ignored.accept(
          "Ignoring job argument(s) that are not dpf's: "
              + String.join(", ", others)
              + " (dpf's are "
              + OURS
              + ")");
    }
    String lake = values.get("lake");
    if (lake == null) {
      throw new DpfException(
          "Missing job argument --lake (the lake root, for example s3://bucket/lake)");
    }
    return new JobOptions(
        values.getOrDefault("raw", ""),
        lake,
        Optional.ofNullable(values.get("definition")),
        Optional.ofNullable(values.get("results")),
        flag(values, "fail-on-warn"),
        Optional.ofNullable(values.get("select")).map(List::of).orElse(List.of()),
        Optional.ofNullable(values.get("exclude")).map(List::of).orElse(List.of()),
        flag(values, "full-refresh"),
        Optional.ofNullable(values.get("reingest")).map(List::of).orElse(List.of()),
        flag(values, "allow-empty"),
        Optional.ofNullable(values.get("pii-key-secret")),
        Optional.ofNullable(values.get("erase")),
        flag(values, "purge"));
  }

  /**
   * dpf's job arguments by key; Glue's are passed over, misspelt ones of dpf's added to {@code
   * unknown}, any other to {@code others}.
   */
  private static Map<String, String> values(
      String[] args, List<String> unknown, List<String> others) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || a.length() == 2) {
        throw new DpfException(
            "Unexpected argument '"
                + a
                + "'. Job arguments are --key value pairs: --raw URI --lake URI"
                + " [--definition FILE] [--results FILE] [--fail-on-warn true]");
      }
      String key = a.substring(2);
      String value;
      int eq = key.indexOf('=');
      if (eq > 0) {
        value = key.substring(eq + 1);
        key = key.substring(0, eq);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        value = null;
      }
      if (GLUE_KEYS.contains(key)) {
        continue;
      }
      if (!KEYS.contains(key)) {
        Optional<String> ours = mistyped(key);
        if (ours.isPresent()) {
          unknown.add("--" + key + " (did you mean --" + ours.get() + "?)");
        } else {
          others.add("--" + key);
        }
        continue;
      }
      if (value == null || value.isBlank()) {
        throw new DpfException(
            "Argument --" + key + " needs a value, for example --" + key + " s3://bucket/" + key);
      }
      values.put(key, value);
    }
    return values;
  }

  /**
   * The key of ours that {@code key} most likely misspells: the same but for case, dashes or
   * underscores, or at most one edit away (two for keys longer than 4 characters).
   */
  static Optional<String> mistyped(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT).replace("-", "").replace("_", "");
    var distance = org.apache.commons.text.similarity.LevenshteinDistance.getDefaultInstance();
    return KEYS.stream()
        .filter(ours -> distance.apply(k, ours) <= (ours.length() > 4 ? 2 : 1))
        .min(java.util.Comparator.comparing((String ours) -> distance.apply(k, ours)));
  }

  /** A true/false argument (false when absent). */
  private static boolean flag(Map<String, String> values, String key) {
    String v = values.getOrDefault(key, "false");
    if (!v.equals("true") && !v.equals("false")) {
      throw new DpfException("Argument --" + key + " takes true or false, not '" + v + "'");
    }
    return v.equals("true");
  }
}
