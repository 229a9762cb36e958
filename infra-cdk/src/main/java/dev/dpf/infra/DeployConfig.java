package dev.dpf.infra;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Everything environment-specific about a deployment, read from CDK context ({@code -c key=value},
 * {@code cdk.json} or {@code cdk.context.json}). Nothing account-specific has a default: a missing
 * required key is an error that names it and shows an example. The stacks are environment-agnostic:
 * account and region come from the deploying credentials, so no template names an account.
 *
 * @param devEnvironment {@code env=dev}: data buckets and keys are destroyed with the stacks;
 *     otherwise they are retained
 * @param onPremCidr the on-premises network the DMS replication instance may reach MySQL in
 * @param mysqlSecret the Secrets Manager secret with the MySQL host, port, username and password:
 *     its name (the template then names no account) or its full ARN
 * @param mysqlSecretKmsKeyArn the customer managed key that encrypts that secret, if any
 * @param mysqlSslMode DMS {@code SslMode} for the MySQL source endpoint
 * @param mysqlPort the MySQL port on premises (the only port the DMS security group opens there)
 * @param vpc an existing VPC for DMS, or empty to create one
 * @param createDmsAccountRoles whether to create the account-wide roles DMS looks up by name
 *     ({@code dms-vpc-role}, {@code dms-cloudwatch-logs-role})
 * @param dmsInstanceClass replication instance class
 * @param dmsStorageGb replication instance storage
 * @param dmsMultiAz whether the replication instance is Multi-AZ
 * @param firehoseBufferSeconds Firehose buffering interval
 * @param firehoseBufferMiB Firehose buffering size
 * @param firehoseGzip whether Firehose compresses objects with GZIP (the ingest stage reads both)
 * @param flatFileSchedule DataSync schedule of the landing-to-raw copy of flat files
 * @param pipelineSchedule EventBridge Scheduler expression that starts the pipeline
 * @param scheduleTimeZone the schedule's time zone
 * @param maintenanceSchedule Glue trigger schedule (UTC) of the maintenance job
 * @param alarmEmail an address subscribed to the failure topic, if any
 * @param glueWorkerType Glue worker type of the jobs
 * @param glueWorkers Glue workers per job
 * @param glueTimeoutMinutes Glue job timeout
 * @param athenaWorkGroup the analysts' Athena workgroup name (unique in the account and region)
 * @param definition the pipeline definition the stacks follow
 * @param glueArtifacts the folder holding the jobs jar and the Glue script stub (Maven build
 *     output)
 */
public record DeployConfig(
    boolean devEnvironment,
    String onPremCidr,
    String mysqlSecret,
    Optional<String> mysqlSecretKmsKeyArn,
    String mysqlSslMode,
    int mysqlPort,
    Optional<ExistingVpc> vpc,
    boolean createDmsAccountRoles,
    String dmsInstanceClass,
    int dmsStorageGb,
    boolean dmsMultiAz,
    int firehoseBufferSeconds,
    int firehoseBufferMiB,
    boolean firehoseGzip,
    String flatFileSchedule,
    String pipelineSchedule,
    String scheduleTimeZone,
    String maintenanceSchedule,
    Optional<String> alarmEmail,
    String glueWorkerType,
    int glueWorkers,
    int glueTimeoutMinutes,
    String athenaWorkGroup,
    Path definition,
    Path glueArtifacts) {

  /** Maintenance daily at 04:00 UTC, after the pipeline's default run. */
  public static final String DEFAULT_MAINTENANCE_SCHEDULE = "cron(0 4 * * ? *)";

  /** The blueprint's daily run, at 02:00 in {@link #scheduleTimeZone}. */
  public static final String DEFAULT_PIPELINE_SCHEDULE = "cron(0 2 * * ? *)";

  private static final Pattern CIDR =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");
  private static final Pattern SECRET_ARN =
      Pattern.compile("arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[\\w/+=.@-]+");
  private static final Pattern SECRET_NAME = Pattern.compile("[\\w/+=.@-]{1,512}");
  private static final List<String> SSL_MODES = List.of("require", "none");
  private static final List<String> WORKER_TYPES =
      List.of("G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X");

  /** An existing VPC given by its attributes (no lookup: synthesis stays offline). */
  public record ExistingVpc(String vpcId, List<String> subnetIds, List<String> availabilityZones) {}

  /**
   * Reads the configuration.
   *
   * @param context a CDK context lookup ({@code node::tryGetContext}); values may be strings or
   *     JSON values
   * @param infraDir the infra-cdk folder, against which the default definition and artifact
   *     locations resolve
   * @throws IllegalArgumentException naming every missing or invalid key
   */
  public static DeployConfig from(Function<String, Object> context, Path infraDir) {
    Reader r = new Reader(context);
    String env = r.string("env", "prod");
    String cidr = r.required("onPremCidr", "10.20.0.0/16");
    r.check(validCidr(cidr), "onPremCidr", cidr + " is not an IPv4 CIDR narrower than /8");
    String secret = r.required("mysqlSecret", "dpf/mysql (a secret name) or its ARN");
    r.check(
        SECRET_ARN.matcher(secret).matches() || SECRET_NAME.matcher(secret).matches(),
        "mysqlSecret",
        secret + " is neither a secret name nor a Secrets Manager secret ARN");
    String ssl = r.string("mysqlSslMode", "require");
    r.check(SSL_MODES.contains(ssl), "mysqlSslMode", ssl + " is not one of " + SSL_MODES);
    Optional<ExistingVpc> vpc = Optional.empty();
    Optional<String> vpcId = r.optional("vpcId");
    if (vpcId.isPresent()) {
      List<String> subnets = r.list("subnetIds");
      List<String> zones = r.list("availabilityZones");
      r.check(
          subnets.size() >= 2 && subnets.size() == zones.size(),
          "subnetIds",
          "an existing VPC needs at least two private subnetIds and as many availabilityZones");
      vpc = Optional.of(new ExistingVpc(vpcId.get(), subnets, zones));
    }
    String worker = r.string("glueWorkerType", "G.1X");
    r.check(
        WORKER_TYPES.contains(worker), "glueWorkerType", worker + " is not one of " + WORKER_TYPES);
    int bufferMiB = r.integer("firehoseBufferMiB", 64, 1, 128);
    DeployConfig config =
        new DeployConfig(
            env.toLowerCase(Locale.ROOT).equals("dev"),
            cidr,
            secret,
            r.optional("mysqlSecretKmsKeyArn"),
            ssl,
            r.integer("mysqlPort", 3306, 1, 65535),
            vpc,
            r.bool("createDmsAccountRoles", false),
            r.string("dmsInstanceClass", "dms.t3.medium"),
            r.integer("dmsStorageGb", 50, 5, 6144),
            r.bool("dmsMultiAz", false),
            r.integer("firehoseBufferSeconds", 300, 0, 900),
            bufferMiB,
            r.bool("firehoseGzip", true),
            r.string("flatFileSchedule", "rate(1 hour)"),
            r.string("pipelineSchedule", DEFAULT_PIPELINE_SCHEDULE),
            r.string("scheduleTimeZone", "UTC"),
            r.string("maintenanceSchedule", DEFAULT_MAINTENANCE_SCHEDULE),
            r.optional("alarmEmail"),
            worker,
            r.integer("glueWorkers", 2, 2, 299),
            r.integer("glueTimeoutMinutes", 120, 1, 2880),
            r.string("athenaWorkGroup", "dpf"),
            infraDir.resolve(r.string("definition", "../src/pipeline.yaml")).normalize(),
            infraDir.resolve(r.string("glueArtifacts", "target/glue")).normalize());
    r.throwIfInvalid();
    return config;
  }

  /** Whether the secret is given by name (its ARN is then built from the stack's own account). */
  public boolean mysqlSecretIsName() {
    return !mysqlSecret.startsWith("arn:");
  }

  static boolean validCidr(String cidr) {
    var m = CIDR.matcher(cidr);
    if (!m.matches()) {
      return false;
    }
    for (int i = 1; i <= 4; i++) {
      if (Integer.parseInt(m.group(i)) > 255) {
        return false;
      }
    }
    int bits = Integer.parseInt(m.group(5));
    return bits >= 8 && bits <= 32;
  }

  /** Collects every problem before failing, so one synth names them all. */
  private static final class Reader {
    private final Function<String, Object> context;
    private final List<String> problems = new ArrayList<>();

    Reader(Function<String, Object> context) {
      this.context = context;
    }

    Optional<String> optional(String key) {
      Object v = context.apply(key);
      if (v == null || v.toString().isBlank()) {
        return Optional.empty();
      }
      return Optional.of(v.toString().strip());
    }

    String string(String key, String defaultValue) {
      return optional(key).orElse(defaultValue);
    }

    String required(String key, String example) {
      Optional<String> v = optional(key);
      if (v.isEmpty()) {
        problems.add("context '" + key + "' is required, for example -c " + key + "=" + example);
        return "";
      }
      return v.get();
    }

    List<String> list(String key) {
      Object v = context.apply(key);
      if (v instanceof List<?> l) {
        return l.stream().map(Object::toString).toList();
      }
      return optional(key)
          .map(
              s ->
                  Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList())
          .orElse(List.of());
    }

    boolean bool(String key, boolean defaultValue) {
      Optional<String> v = optional(key);
      if (v.isEmpty()) {
        return defaultValue;
      }
      String s = v.get().toLowerCase(Locale.ROOT);
      check(s.equals("true") || s.equals("false"), key, v.get() + " is not true or false");
      return s.equals("true");
    }

    int integer(String key, int defaultValue, int min, int max) {
      Optional<String> v = optional(key);
      if (v.isEmpty()) {
        return defaultValue;
      }
      try {
        int n = Integer.parseInt(v.get());
        check(n >= min && n <= max, key, n + " is outside " + min + ".." + max);
        return n;
      } catch (NumberFormatException e) {
        check(false, key, v.get() + " is not a whole number");
        return defaultValue;
      }
    }

    void check(boolean ok, String key, String problem) {
      if (!ok
          && problems.stream().noneMatch(p -> p.startsWith("context '" + key + "' is required"))) {
        problems.add("context '" + key + "': " + problem);
      }
    }

    void throwIfInvalid() {
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "Cannot synthesize the dpf stacks:\n  " + String.join("\n  ", problems));
      }
    }
  }
}
