package dev.dpf.core.api;

import dev.dpf.core.DpfException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The raw zone: read-only, files addressed by their key relative to the root (as an S3 key would
 * be). A root that is missing, a file, or cannot be listed is a {@link dev.dpf.core.DpfException}
 * naming it ({@link #missing}); a folder that does not exist lists as empty.
 */
public final class RawRoot {
  private final FileSystem fs;
  private final Path root;
  private final String rootPath;

  private RawRoot(FileSystem fs, Path root) {
    this.fs = fs;
    this.root = root;
    this.rootPath = root.toUri().getPath();
  }

  /** Opens a raw root, failing with a clear message when it does not exist. */
  public static RawRoot open(String location, Configuration conf) {
    try {
      Path p = new Path(location);
      FileSystem fs = p.getFileSystem(conf);
      Path qualified = fs.makeQualified(p);
      if (!fs.exists(qualified)) {
        throw missing(location);
      }
      if (!fs.getFileStatus(qualified).isDirectory()) {
        throw new DpfException("Raw root " + location + " is a file, not a folder. Pass --raw DIR");
      }
      return new RawRoot(fs, qualified);
    } catch (IOException e) {
      throw new DpfException("Cannot open raw root " + location + ": " + e.getMessage(), e);
    }
  }

  /** The error for a raw root that does not exist. */
  public static DpfException missing(String location) {
    return new DpfException(
        "Raw root "
            + location
            + " does not exist. Pass --raw DIR with a folder laid out as streaming/, dms/"
            + " and files/ (see README), or run 'dpf generate --out DIR' to make one");
  }

  @Override
  public String toString() {
    return root.toString();
  }

  /**
   * Lists the data files under {@code relative} (recursively), sorted by key. Hidden files and
   * folders (names starting with '.' or '_') are not data. Empty when the folder does not exist.
   */
  public List<RawFile> list(String relative) {
    Path dir = new Path(root, relative);
    List<RawFile> out = new ArrayList<>();
    try {
      if ("file".equals(fs.getScheme())) {
        walk(dir, relative, out);
      } else {
        // Object stores list a whole prefix in a few paged calls.
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
        while (it.hasNext()) {
          add(it.next(), relative, out);
        }
      }
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new DpfException("Cannot list raw folder " + dir + ": " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(RawFile::key));
    return out;
  }

  /**
   * What to say of the folder {@code relative} when it does not exist (a mistyped path leaves its
   * source with nothing to read, which is not otherwise an error): that it does not, and the folder
   * at the same level whose name is closest to the first missing part, when one is close ({@code
   * files/transaction}: {@code did you mean files/transactions/?}). Empty when it exists.
   */
  public java.util.Optional<String> missingFolder(String relative) {
    String[] parts = relative.replaceAll("^/+|/+$", "").split("/+");
    Path at = root;
    String seen = "";
    try {
      for (int i = 0; i < parts.length; i++) {
        Path next = new Path(at, parts[i]);
        if (!fs.exists(next)) {
          List<String> siblings = new ArrayList<>();
          for (FileStatus s : fs.listStatus(at)) {
            if (s.isDirectory()) {
              siblings.add(s.getPath().getName());
            }
          }
          String rest =
              String.join("/", java.util.Arrays.asList(parts).subList(i + 1, parts.length));
          String before = seen;
          String hint =
              dev.dpf.definition.Suggest.closest(parts[i], siblings)
                  .map(
                      c ->
                          "; did you mean "
                              + before
                              + c
                              + "/"
                              + (rest.isEmpty() ? "" : rest + "/")
                              + "?")
                  .orElse("");
          return java.util.Optional.of(
              "no folder " + relative.replaceAll("/+$", "") + "/ under the raw root" + hint);
        }
        seen += parts[i] + "/";
        at = next;
      }
    } catch (IOException e) {
      throw new DpfException("Cannot list raw folder " + at + ": " + e.getMessage(), e);
    }
    return java.util.Optional.empty();
  }

  /**
   * Lists a local folder tree with plain statuses: the located listing reads each local file's
   * permissions by running a process per file (seconds per thousand files).
   */
  private void walk(Path dir, String relative, List<RawFile> out) throws IOException {
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.isDirectory()) {
        walk(s.getPath(), relative, out);
      } else {
        add(s, relative, out);
      }
    }
  }

  private void add(FileStatus s, String relative, List<RawFile> out) {
    String key = key(s.getPath().toUri());
    if (!hidden(key.substring(relative.length()))) {
      out.add(new RawFile(key, s.getPath().toString(), s.getLen(), s.getModificationTime()));
    }
  }

  /** The key of a file under this root, from the URI Spark or Hadoop reports for it. */
  public String key(URI fileUri) {
    String path = fileUri.getPath();
    if (!path.startsWith(rootPath + "/")) {
      throw new IllegalArgumentException(fileUri + " is not under raw root " + root);
    }
    return path.substring(rootPath.length() + 1);
  }

  /** The location of the file with this key. */
  public String uri(String key) {
    return new Path(root, key).toString();
  }

  /** The root's path part, for relativizing file URIs inside Spark tasks. */
  public String rootPath() {
    return rootPath;
  }

  private static boolean hidden(String relativeKey) {
    for (String part : relativeKey.split("/")) {
      if (part.startsWith(".") || part.startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A raw data file.
   *
   * @param key path relative to the raw root, for example {@code files/transactions/t.csv}
   * @param uri the full location to read it from
   * @param size bytes
   * @param modified last modification, epoch milliseconds (with key and size, the file's identity:
   *     a file re-delivered under the same key is new)
   */
  public record RawFile(String key, String uri, long size, long modified)
      implements java.io.Serializable {
    /** The bytes of {@code files} together. */
    public static long bytes(List<RawFile> files) {
      return files.stream().mapToLong(RawFile::size).sum();
    }
  }
}
