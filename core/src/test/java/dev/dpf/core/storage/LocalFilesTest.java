package dev.dpf.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local file system without forked processes gives what Hadoop's own gives. */
class LocalFilesTest {
  private static Configuration conf() {
    Configuration conf = new Configuration();
    LocalFiles.HADOOP_SETTINGS.forEach(conf::set);
    conf.set("fs.permissions.umask-mode", "022");
    conf.setBoolean("fs.file.impl.disable.cache", true);
    return conf;
  }

  @Test
  void permissionsOwnersAndLinksAreThoseOfTheFileSystem(@TempDir Path dir) throws Exception {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve("a.txt").toUri());
    var fs = file.getFileSystem(conf());
    assertThat(fs).isInstanceOf(LocalFiles.FileSystem.class);
    try (var out = fs.create(file)) {
      out.writeBytes("x");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a.txt"))))
        .as("0666 less the umask 022")
        .isEqualTo("rw-r--r--");

    fs.setPermission(file, new FsPermission((short) 0750));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a.txt"))))
        .isEqualTo("rwxr-x---");
    FileStatus status = fs.getFileStatus(file);
    assertThat(status.getPermission().toShort()).isEqualTo((short) 0750);
    assertThat(status.getOwner()).isEqualTo(Files.getOwner(dir.resolve("a.txt")).getName());
    assertThat(status.getLen()).isEqualTo(1);
    assertThat(fs.listStatus(file.getParent()))
        .extracting(s -> s.getPath().getName() + " " + s.getPermission())
        .contains("a.txt rwxr-x---");

    Files.createSymbolicLink(dir.resolve("link"), dir.resolve("a.txt"));
    var fc = FileContext.getFileContext(file.toUri(), conf());
    org.apache.hadoop.fs.Path link = new org.apache.hadoop.fs.Path(dir.resolve("link").toUri());
    // As Hadoop's own local file system says.
    var stock = FileContext.getFileContext(file.toUri(), new Configuration());
    assertThat(fc.getFileLinkStatus(link).isSymlink())
        .isEqualTo(stock.getFileLinkStatus(link).isSymlink());
    assertThat(fc.getFileLinkStatus(link).getLen())
        .isEqualTo(stock.getFileLinkStatus(link).getLen());
    assertThat(fc.getFileLinkStatus(file).isSymlink()).isFalse();
    assertThat(fc.getFileLinkStatus(file).getLen()).isEqualTo(1);

    // Delta commits are renames through FileContext; the target must not exist.
    org.apache.hadoop.fs.Path moved = new org.apache.hadoop.fs.Path(dir.resolve("b.txt").toUri());
    fc.rename(file, moved);
    assertThat(Files.readString(dir.resolve("b.txt"))).isEqualTo("x");
    assertThatThrownBy(() -> fs.setPermission(file, new FsPermission((short) 0700)))
        .isInstanceOf(FileNotFoundException.class);
  }
}
