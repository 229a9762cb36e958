package dev.dpf.core.api;

import dev.dpf.core.DpfException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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
  // Folders listed one by one (where the file system does not count its LIST requests).
  private final java.util.concurrent.atomic.AtomicLong folderListings =
      new java.util.concurrent.atomic.AtomicLong();

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
   * Lists the data files under {@code relative} as {@link #list(String)} does, but from the time
   * folder {@code since} on when one is given ({@code 2026/11/19/16}: folders named by numbers
   * directly under {@code relative}, years, months, days and hours as Firehose and DMS lay them
   * out). A time folder wholly before {@code since} is not listed; every other folder is, whole,
   * and so is the folder of the mark's last level (its day, for an hour), its files before the mark
   * then dropped. On an object store each folder listed whole is one flat listing.
   */
  public Listing list(String relative, Optional<String> since) {
    long requests = listRequests();
    long folders = folderListings.get();
    List<RawFile> out = new ArrayList<>();
    Path dir = new Path(root, relative);
    if (since.isEmpty()) {
      out.addAll(list(relative));
    } else {
      try {
        listFrom(dir, relative, new ArrayList<>(), numbers(since.get()), out);
        // The folder holding the mark's last level was listed whole: drop what lies before it.
        out.removeIf(f -> !listedFrom(relative, f.key(), since.get()));
      } catch (FileNotFoundException e) {
        out.clear();
      } catch (IOException e) {
        throw new DpfException("Cannot list raw folder " + dir + ": " + e.getMessage(), e);
      }
      out.sort(Comparator.comparing(RawFile::key));
    }
    return requests < 0
        ? new Listing(relative, List.copyOf(out), since, folderListings.get() - folders, false)
        : new Listing(relative, List.copyOf(out), since, listRequests() - requests, true);
  }

  /**
   * The object store's LIST requests so far, first pages and continued ones (S3A counts them), or
   * -1 when it does not count.
   */
  private long listRequests() {
    Long first = fs.getStorageStatistics().getLong("object_list_request");
    Long more = fs.getStorageStatistics().getLong("object_continue_list_request");
    return first == null ? -1 : first + (more == null ? 0 : more);
  }

  /** Lists {@code dir}, on the path to the time folder {@code mark} (its first {@code at}). */
  private void listFrom(
      Path dir, String relative, List<Long> at, List<Long> mark, List<RawFile> out)
      throws IOException {
    folderListings.incrementAndGet();
    for (FileStatus s : fs.listStatus(dir)) {
      if (!s.isDirectory()) {
        add(s, relative, out);
        continue;
      }
      Optional<Long> n = number(s.getPath().getName());
      List<Long> next = new ArrayList<>(at);
      n.ifPresent(next::add);
      int order = n.isEmpty() ? 1 : compare(next, mark);
      if (order < 0) {
        continue; // a time folder before the mark: listed before, not again
      }
      if (order == 0 && next.size() < mark.size() - 1) {
        listFrom(s.getPath(), relative, next, mark, out);
      } else if ("file".equals(fs.getScheme())) {
        walk(s.getPath(), relative, out);
      } else {
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(s.getPath(), true);
        while (it.hasNext()) {
          add(it.next(), relative, out);
        }
      }
    }
  }

  /**
   * -1, 0 or 1 as the time folder {@code folder} is before, on the path to (or at), or after the
   * time folder {@code mark}, comparing their numbers from the year down.
   */
  private static int compare(List<Long> folder, List<Long> mark) {
    for (int i = 0; i < Math.min(folder.size(), mark.size()); i++) {
      int c = Long.compare(folder.get(i), mark.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /**
   * Whether a listing of {@code folder} from the time folder {@code since} lists the file {@code
   * key} (as {@link #list(String, Optional)} does, from a listing already made).
   */
  public static boolean listedFrom(String folder, String key, String since) {
    return compare(timeFolder(folder, key), numbers(since)) >= 0;
  }

  /**
   * The newest time folder the files of {@code folder} lie in ({@code 2026/11/20/17}): the leading
   * folders named by numbers under it, the greatest by their numbers. Empty when none lies in one.
   */
  public static Optional<String> newestTimeFolder(String folder, List<RawFile> files) {
    List<Long> newest = null;
    for (RawFile f : files) {
      List<Long> t = timeFolder(folder, f.key());
      if (t.isEmpty()) {
        continue;
      }
      int c = newest == null ? 1 : compare(t, newest);
      if (c > 0 || (c == 0 && t.size() > newest.size())) {
        newest = t;
      }
    }
    return Optional.ofNullable(newest).map(RawRoot::text);
  }

  /**
   * The time folder to list from, {@code window} before the time folder {@code newest} ({@code
   * 2026/11/20/17} and a day: {@code 2026/11/19/17}); empty when {@code newest} is not a year,
   * month, day and hour (at most four numbers that make a date).
   */
  public static Optional<String> listFrom(String newest, java.time.Duration window) {
    List<Long> n = numbers(newest);
    if (n.size() > 4) {
      return Optional.empty();
    }
    try {
      java.time.LocalDateTime t =
          java.time.LocalDateTime.of(
              Math.toIntExact(n.get(0)),
              n.size() > 1 ? Math.toIntExact(n.get(1)) : 1,
              n.size() > 2 ? Math.toIntExact(n.get(2)) : 1,
              n.size() > 3 ? Math.toIntExact(n.get(3)) : 0,
              0);
      if (t.getYear() < 1970 || t.getYear() > 2999) { // a number, not a year
        return Optional.empty();
      }
      java.time.LocalDateTime from = t.minus(window);
      long[] parts = {from.getYear(), from.getMonthValue(), from.getDayOfMonth(), from.getHour()};
      List<Long> out = new ArrayList<>();
      for (int i = 0; i < n.size(); i++) {
        out.add(parts[i]);
      }
      return Optional.of(text(out));
    } catch (java.time.DateTimeException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  /** The numbers of the leading folders named by numbers between {@code folder} and the file. */
  private static List<Long> timeFolder(String folder, String key) {
    String prefix = folder.replaceAll("/+$", "") + "/";
    List<Long> out = new ArrayList<>();
    if (!key.startsWith(prefix)) {
      return out;
    }
    String[] parts = key.substring(prefix.length()).split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      Optional<Long> n = number(parts[i]);
      if (n.isEmpty()) {
        break;
      }
      out.add(n.get());
    }
    return out;
  }

  private static Optional<Long> number(String name) {
    return name.matches("[0-9]{1,9}") ? Optional.of(Long.parseLong(name)) : Optional.empty();
  }

  private static List<Long> numbers(String timeFolder) {
    List<Long> out = new ArrayList<>();
    for (String part : timeFolder.split("/")) {
      out.add(
          number(part)
              .orElseThrow(() -> new IllegalArgumentException("not a time folder: " + timeFolder)));
    }
    return out;
  }

  /** A time folder as text, numbers of two digits or more ({@code 2026/11/09/07}). */
  private static String text(List<Long> numbers) {
    return String.join("/", numbers.stream().map(n -> String.format("%02d", n)).toList());
  }

  /**
   * A source folder's files as one listing found them.
   *
   * @param folder the folder listed, relative to the root
   * @param files its data files, sorted by key
   * @param since the time folder it was listed from; empty when listed in full
   * @param requests the LIST requests it took ({@code counted}: an object store counted them), or
   *     else the folders it listed one by one
   */
  public record Listing(
      String folder, List<RawFile> files, Optional<String> since, long requests, boolean counted) {
    /** Whether every folder was listed. */
    public boolean full() {
      return since.isEmpty();
    }

    /**
     * How it was listed, for a run line: {@code listed from 2026/11/19/17/ (5 LIST request(s))}.
     */
    public String how() {
      return (since.isPresent() ? "listed from " + since.get() + "/" : "listed in full")
          + " ("
          + requests
          + (counted ? " LIST request(s))" : " folder listing(s))");
    }
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
    folderListings.incrementAndGet();
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
