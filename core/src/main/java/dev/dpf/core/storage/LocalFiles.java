package dev.dpf.core.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.local.LocalConfigKeys;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file:}) without a forked process per file. Without Hadoop's
 * native library (never on the Maven classpath), Hadoop sets a new file's permissions by running
 * {@code chmod}, tells a symlink by running {@code readlink} (on every rename of a Delta commit)
 * and reads owners by running {@code ls -ld}: about 1,600 processes forked from a large JVM for the
 * sample pipeline, most of its CPU time. These classes do the same through {@code java.nio.file}.
 * With the native library present they behave as Hadoop's own. {@link
 * dev.dpf.core.storage.SparkSetup} installs them for local sessions.
 */
// Public: Hadoop instantiates its file systems by reflection.
public final class LocalFiles {
  private LocalFiles() {}

  /** The settings that make {@code file:} paths use these classes. */
  public static final java.util.Map<String, String> HADOOP_SETTINGS =
      java.util.Map.of(
          "fs.file.impl", FileSystem.class.getName(),
          "fs.AbstractFileSystem.file.impl", Fs.class.getName());

  /** {@code fs.file.impl}: the checksummed local file system over {@link RawFileSystem}. */
  public static class FileSystem extends LocalFileSystem {
    public FileSystem() {
      super(new RawFileSystem());
    }
  }

  /** {@code fs.AbstractFileSystem.file.impl}: the same for {@code FileContext} users (Delta). */
  public static class Fs extends ChecksumFs {
    public Fs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(new RawFs(uri, conf));
    }
  }

  /** As Hadoop's {@code RawLocalFs}, over {@link RawFileSystem}. */
  static class RawFs extends DelegateToFileSystem {
    RawFs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new RawFileSystem(), conf, "file", false);
    }

    @Override
    public int getUriDefaultPort() {
      return -1;
    }

    @Override
    public FsServerDefaults getServerDefaults(Path f) throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    @Deprecated
    public FsServerDefaults getServerDefaults() throws IOException {
      return LocalConfigKeys.getServerDefaults();
    }

    @Override
    public boolean isValidName(String src) {
      return true;
    }
  }

  /** Hadoop's raw local file system, with permissions, owners and links read through NIO. */
  public static class RawFileSystem extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      if (NativeIO.isAvailable()) {
        super.setPermission(p, permission);
        return;
      }
      java.nio.file.Path file = pathToFile(p).toPath();
      try {
        Files.setPosixFilePermissions(file, posix(permission));
      } catch (java.nio.file.NoSuchFileException e) {
        throw new FileNotFoundException("File " + p + " does not exist");
      } catch (UnsupportedOperationException e) {
        super.setPermission(p, permission); // not a POSIX file system
      }
    }

    @Override
    public FileStatus getFileLinkStatus(Path f) throws IOException {
      if (NativeIO.isAvailable() || Files.isSymbolicLink(pathToFile(f).toPath())) {
        return super.getFileLinkStatus(f);
      }
      return getFileStatus(f); // not a link: its own status
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
      FileStatus status = super.getFileStatus(f);
      return NativeIO.isAvailable() ? status : withOwnerAndPermission(status);
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
      FileStatus[] statuses = super.listStatus(f);
      if (!NativeIO.isAvailable()) {
        for (int i = 0; i < statuses.length; i++) {
          statuses[i] = withOwnerAndPermission(statuses[i]);
        }
      }
      return statuses;
    }

    /** The status with its owner, group and permission read now, instead of by {@code ls -ld}. */
    private FileStatus withOwnerAndPermission(FileStatus s) throws IOException {
      PosixFileAttributes a;
      try {
        a =
            Files.readAttributes(
                pathToFile(s.getPath()).toPath(),
                PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new FileNotFoundException("File " + s.getPath() + " does not exist");
      } catch (UnsupportedOperationException e) {
        return s;
      }
      return new FileStatus(
          s.getLen(),
          s.isDirectory(),
          s.getReplication(),
          s.getBlockSize(),
          s.getModificationTime(),
          s.getAccessTime(),
          permission(a.permissions()),
          a.owner().getName(),
          a.group().getName(),
          null,
          s.getPath());
    }
  }

  /** The permission's read, write and execute bits for owner, group and others. */
  static Set<PosixFilePermission> posix(FsPermission p) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    int mode = p.toShort();
    for (PosixFilePermission x : PosixFilePermission.values()) {
      if ((mode & bit(x)) != 0) {
        out.add(x);
      }
    }
    return out;
  }

  static FsPermission permission(Set<PosixFilePermission> p) {
    int mode = 0;
    for (PosixFilePermission x : p) {
      mode |= bit(x);
    }
    return new FsPermission((short) mode);
  }

  /** OWNER_READ is 0400, ..., OTHERS_EXECUTE 0001 (the enum's order). */
  private static int bit(PosixFilePermission x) {
    return 1 << (8 - x.ordinal());
  }
}
