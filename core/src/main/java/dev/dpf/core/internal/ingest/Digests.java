package dev.dpf.core.internal.ingest;

import dev.dpf.core.DpfException;
import dev.dpf.core.api.RawRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The SHA-256 of a raw file's bytes as delivered (before any decompression): what tells a file
 * delivered again with the same content (a re-upload, a sync tool's copy) from a new delivery.
 */
public final class Digests {
  private Digests() {}

  /** A stream that hashes what is read through it; {@link #finish} reads the rest and tells. */
  static DigestInputStream hashing(InputStream in) {
    return new DigestInputStream(in, sha256());
  }

  /** Reads what is left of the stream and returns the hex SHA-256 of all its bytes. */
  static String finish(DigestInputStream in) throws IOException {
    in.transferTo(OutputStream.nullOutputStream());
    return HexFormat.of().formatHex(in.getMessageDigest().digest());
  }

  /** The hex SHA-256 of the file's bytes, read now. */
  public static String sha256(RawRoot.RawFile file, Configuration conf) {
    Path path = new Path(file.uri());
    try (DigestInputStream in = hashing(path.getFileSystem(conf).open(path))) {
      return finish(in);
    } catch (IOException e) {
      throw new DpfException("Cannot read raw file " + file.key() + ": " + e.getMessage(), e);
    }
  }

  /** The hex SHA-256 of the text's UTF-8 bytes. */
  public static String sha256(String text) {
    return HexFormat.of()
        .formatHex(sha256().digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
