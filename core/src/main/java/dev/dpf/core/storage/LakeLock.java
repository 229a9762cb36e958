package dev.dpf.core.storage;

import dev.dpf.core.DpfErrors;
import dev.dpf.core.DpfException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer at a time on a lake: a process takes the lock before it writes a table, and a second
 * writer stops with a one-line message instead of racing it (two writers of one Delta table on S3
 * corrupt it; two runs would make the same decisions twice). Readers take no lock: Delta gives each
 * of them the tables' committed versions. The lock is {@code <lake>/_system/lake.lock}, holding who
 * took it.
 *
 * <p>On a local file system it is an operating-system lock on that file: it is released when the
 * process ends, however it ends. On other file systems (S3, HDFS) it is the file itself, created
 * only if absent and rewritten every minute while held; a file not rewritten for {@link #STALE} was
 * left by a process that died, and is taken over. (S3 offers no atomic create-if-absent to Hadoop
 * 3.3: two processes starting within the same second could both take it; schedulers such as Step
 * Functions and Glue's one-run-at-a-time jobs exclude that.)
 */
public abstract class LakeLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LakeLock.class);

  /** The lock file, relative to the lake root. */
  public static final String FILE = "_system/lake.lock";

  /** How long an unrefreshed lock file on a remote file system is honoured. */
  static final Duration STALE = Duration.ofMinutes(10);

  private static final Duration REFRESH = Duration.ofMinutes(1);

  private LakeLock() {}

  /**
   * Takes the lake's lock, checking first that a local lake can be written (see {@link
   * #checkWritable}).
   *
   * @param lakeRoot a local folder or a Hadoop URI ({@code s3a://bucket/lake})
   * @param conf file system settings for a Hadoop URI
   * @param holder who takes it, shown to a process that finds it taken (for example {@code dpf
   *     run})
   * @throws DpfException when another process holds it, or the lake cannot be written
   */
  public static LakeLock acquire(String lakeRoot, Configuration conf, String holder) {
    String who =
        holder
            + " (pid "
            + ProcessHandle.current().pid()
            + " on "
            + host()
            + ", since "
            + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            + ")";
    Path local = localPath(lakeRoot);
    if (local != null) {
      checkWritable(local);
      return new Local(local, who);
    }
    return new Remote(new org.apache.hadoop.fs.Path(lakeRoot, FILE), conf, who);
  }

  /** The folder of a local lake root, or null for another file system. */
  static Path localPath(String lakeRoot) {
    URI uri = URI.create(lakeRoot.replace('\\', '/').replace(" ", "%20"));
    if (uri.getScheme() == null) {
      return Path.of(lakeRoot).toAbsolutePath().normalize();
    }
    return uri.getScheme().equals("file") ? Path.of(uri).normalize() : null;
  }

  /**
   * Checks, before anything is written, that this process can write every folder of a local lake
   * that a run writes into (the root, the zones, tables and their partitions, each table's Delta
   * log), creating the root if needed.
   *
   * @throws DpfException naming the first folder it cannot write
   */
  public static void checkWritable(Path root) {
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw notAFolder(root.toString());
    }
    if (!Files.isDirectory(root)) {
      try {
        Files.createDirectories(root);
      } catch (IOException e) {
        throw cannotWrite(root, firstExisting(root), e);
      }
    }
    ArrayDeque<Path> folders = new ArrayDeque<>(List.of(root));
    while (!folders.isEmpty()) {
      Path dir = folders.pop();
      if (!Files.isWritable(dir)) {
        throw cannotWrite(root, dir, null);
      }
      if (dir.getFileName() != null && dir.getFileName().toString().equals("_delta_log")) {
        continue; // its files are Delta's own
      }
      try (Stream<Path> children = Files.list(dir)) {
        List<Path> sub = new ArrayList<>();
        children.filter(Files::isDirectory).forEach(sub::add);
        sub.sort(null);
        for (int i = sub.size() - 1; i >= 0; i--) {
          folders.push(sub.get(i));
        }
      } catch (IOException e) {
        throw cannotWrite(root, dir, e);
      }
    }
    try {
      Files.createDirectories(root.resolve("_system"));
    } catch (IOException e) {
      throw cannotWrite(root, root.resolve("_system"), e);
    }
  }

  private static Path firstExisting(Path p) {
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p;
  }

  /**
   * The failure of a lake root that names a file: one line, the same for every command.
   *
   * @param root the root as given
   */
  public static DpfException notAFolder(String root) {
    return new DpfException(
        "The lake at "
            + root
            + " is a file, not a folder. Pass --lake with the lake's folder (or a new one, which"
            + " a run makes)");
  }

  private static DpfException cannotWrite(Path root, Path dir, IOException cause) {
    Path at = dir == null ? root : dir;
    if (Files.isRegularFile(at)) {
      return new DpfException(
          "Cannot make the lake at "
              + root
              + ": "
              + at
              + " is a file, not a folder. Pass another --lake",
          cause);
    }
    String why;
    if (cause == null || cause instanceof java.nio.file.AccessDeniedException) {
      why = "it is read-only for this process";
    } else if (cause instanceof FileSystemException f && f.getReason() != null) {
      why = f.getReason();
    } else if (cause instanceof FileSystemException) {
      // Its message is only the path: say what kind of failure it was instead.
      why =
          cause
              .getClass()
              .getSimpleName()
              .replaceAll("Exception$", "")
              .replaceAll("([a-z])([A-Z])", "$1 $2")
              .toLowerCase(java.util.Locale.ROOT);
    } else {
      why = String.valueOf(cause.getMessage());
    }
    return new DpfException(
        "Cannot write the lake at "
            + root
            + ": "
            + at
            + " ("
            + why
            + "). Make the lake writable for this user, or pass another --lake",
        cause);
  }

  private static DpfException inUse(String lake, String holder) {
    return DpfErrors.lakeInUse(lake, holder);
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "an unknown host";
    }
  }

  @Override
  public abstract void close();

  /** An operating-system lock on the lock file of a local lake. */
  private static final class Local extends LakeLock {
    private final FileChannel channel;
    private final FileLock lock;

    Local(Path root, String who) {
      Path file = root.resolve(FILE);
      FileChannel c = null;
      try {
        c =
            FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
          l = c.tryLock();
        } catch (OverlappingFileLockException e) {
          l = null; // held by this very process
        }
        if (l == null) {
          String holder = Files.readString(file, StandardCharsets.UTF_8);
          c.close();
          throw inUse(root.toString(), holder);
        }
        c.truncate(0);
        c.write(ByteBuffer.wrap((who + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        this.channel = c;
        this.lock = l;
      } catch (IOException e) {
        closeQuietly(c);
        throw cannotWrite(root, file, e);
      }
    }

    @Override
    public void close() {
      try {
        lock.release();
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void closeQuietly(FileChannel c) {
      if (c != null) {
        try {
          c.close();
        } catch (IOException ignored) {
          // the error being reported matters more
        }
      }
    }
  }

  /** A lock file on a remote file system, rewritten while held. */
  private static final class Remote extends LakeLock {
    private final org.apache.hadoop.fs.Path file;
    private final FileSystem fs;
    private final String who;
    private final Thread refresher;

    Remote(org.apache.hadoop.fs.Path file, Configuration conf, String who) {
      this.file = file;
      this.who = who;
      try {
        this.fs = file.getFileSystem(conf);
        take();
      } catch (IOException e) {
        throw new DpfException(
            "Cannot take the lake's lock "
                + file
                + ": "
                + e.getMessage()
                + ". Check the lake URI"
                + " and this process's access to it",
            e);
      }
      refresher = new Thread(this::refresh, "dpf-lake-lock");
      refresher.setDaemon(true);
      refresher.start();
    }

    private void take() throws IOException {
      try {
        write(false);
        return;
      } catch (FileAlreadyExistsException e) {
        // fall through: held, or left by a process that died
      }
      var status = fs.getFileStatus(file);
      Duration age = Duration.ofMillis(System.currentTimeMillis() - status.getModificationTime());
      String holder;
      try (var in = fs.open(file)) {
        holder = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (age.compareTo(STALE) < 0) {
        throw inUse(file.getParent().getParent().toString(), holder);
      }
      LOG.warn(
          "Taking over the lake lock {}: not refreshed for {} min by {}",
          file,
          age.toMinutes(),
          holder.strip());
      write(true);
    }

    private void write(boolean overwrite) throws IOException {
      try (FSDataOutputStream out = fs.create(file, overwrite)) {
        out.write((who + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }

    private void refresh() {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(REFRESH.toMillis());
          write(true);
        } catch (InterruptedException e) {
          return;
        } catch (IOException e) {
          LOG.warn("Cannot refresh the lake lock {}: {}", file, e.getMessage());
        }
      }
    }

    @Override
    public void close() {
      refresher.interrupt();
      try {
        refresher.join(10_000);
        fs.delete(file, false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        LOG.warn("Cannot remove the lake lock {}: {}", file, e.getMessage());
      }
    }
  }
}
