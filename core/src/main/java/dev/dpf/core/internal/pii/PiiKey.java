package dev.dpf.core.internal.pii;

import dev.dpf.core.DpfException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The secret under which personal data is hashed. Never in the repository; taken from, in order:
 * the environment variable {@value #ENV}, the file named by the Spark setting {@value #FILE_CONF}
 * (any Hadoop path, such as {@code s3://secure-bucket/dpf/pii.key}), or the lake's own key file
 * {@code <lake>/_system/pii.key}, created with 32 random bytes on first use so that local lakes
 * work with no setup and hashes stay stable from run to run. A lake on object storage ({@code
 * s3://} and the like) gets no key file made inside it, where whoever reads the bucket would find
 * it beside the hashes: its writers must be given a key ({@link #resolve} refuses).
 *
 * @param value the key
 * @param origin where it came from, for messages (never the key itself)
 */
public record PiiKey(String value, String origin) {
  /** Environment variable holding the key. */
  public static final String ENV = "DPF_PII_KEY";

  /** Spark setting naming a file that holds the key. */
  public static final String FILE_CONF = "spark.dpf.pii.keyFile";

  /** Shortest key accepted, in characters. */
  static final int MIN_LENGTH = 16;

  public PiiKey {
    if (value == null || value.strip().length() < MIN_LENGTH) {
      throw new DpfException(
          "The PII hashing key from "
              + origin
              + " is shorter than "
              + MIN_LENGTH
              + " characters. Use a long random secret, for example: openssl rand -hex 32");
    }
    value = value.strip();
  }

  @Override
  public String toString() {
    return "PiiKey[" + origin + "]";
  }

  /**
   * The key for a lake.
   *
   * @param keyFile the value of {@value #FILE_CONF}, or null
   */
  public static PiiKey resolve(
      Map<String, String> env, String keyFile, String lakeRoot, Configuration conf) {
    return find(env, keyFile, lakeRoot, conf)
        .orElseGet(
            () -> {
              Path p = lakeFile(lakeRoot);
              if (onObjectStorage(lakeRoot)) {
                throw new DpfException(
                    "No PII hashing key for the lake "
                        + lakeRoot
                        + ": on object storage dpf does not make one inside the lake, where"
                        + " whoever reads the bucket would find it beside the hashes. Give the"
                        + " jobs --pii-key-secret <Secrets Manager secret> (the CDK stack does),"
                        + " or set "
                        + ENV
                        + " or "
                        + FILE_CONF);
              }
              byte[] bytes = new byte[32];
              new SecureRandom().nextBytes(bytes);
              write(p, HexFormat.of().formatHex(bytes), conf);
              return new PiiKey(read(p, conf), "the lake's key file " + p);
            });
  }

  /**
   * The key for a lake as {@link #resolve} finds it, writing nothing: empty when the lake has no
   * key file yet (and none is configured), which only a process that writes the lake makes.
   */
  public static java.util.Optional<PiiKey> find(
      Map<String, String> env, String keyFile, String lakeRoot, Configuration conf) {
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return java.util.Optional.of(new PiiKey(fromEnv, "environment variable " + ENV));
    }
    if (keyFile != null && !keyFile.isBlank()) {
      Path p = new Path(keyFile);
      String text = read(p, conf);
      if (text == null) {
        throw new DpfException(
            "The PII key file "
                + keyFile
                + " ("
                + FILE_CONF
                + ") does not exist. Create it or fix the setting");
      }
      return java.util.Optional.of(new PiiKey(text, "file " + keyFile));
    }
    Path p = lakeFile(lakeRoot);
    String text = read(p, conf);
    return text == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(new PiiKey(text, "the lake's key file " + p));
  }

  /**
   * Whether the lake is on object storage: anything but a local folder or HDFS (where the key file
   * is readable by its owner only).
   */
  public static boolean onObjectStorage(String lakeRoot) {
    String scheme = new Path(lakeRoot).toUri().getScheme();
    return scheme != null && !java.util.Set.of("file", "hdfs", "viewfs").contains(scheme);
  }

  private static Path lakeFile(String lakeRoot) {
    return new Path(lakeRoot + "/_system/pii.key");
  }

  private static String read(Path p, Configuration conf) {
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        return null;
      }
      try (InputStream in = fs.open(p)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new DpfException("Cannot read the PII key file " + p + ": " + e.getMessage(), e);
    }
  }

  private static void write(Path p, String key, Configuration conf) {
    try {
      FileSystem fs = p.getFileSystem(conf);
      fs.mkdirs(p.getParent());
      try (OutputStream out = fs.create(p, false)) {
        out.write((key + "\n").getBytes(StandardCharsets.UTF_8));
      }
      try {
        fs.setPermission(p, new FsPermission((short) 0600));
      } catch (IOException | UnsupportedOperationException e) {
        // object stores have no permissions: the bucket policy protects the key
      }
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      // another process created it first: use theirs
    } catch (IOException e) {
      throw new DpfException("Cannot create the PII key file " + p + ": " + e.getMessage(), e);
    }
  }
}
