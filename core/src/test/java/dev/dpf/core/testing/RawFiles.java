package dev.dpf.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A second, deliberately simple reading of raw files, to cross-check what the pipeline computes.
 */
public final class RawFiles {
  private RawFiles() {}

  /** All regular files under {@code dir}, sorted. */
  public static List<Path> under(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into records of fields,
   * header included; an empty field is "".
   */
  public static List<List<String>> csv(String text) {
    List<List<String>> records = new ArrayList<>();
    for (List<String> r : csvWithNulls(text)) {
      records.add(r.stream().map(f -> f == null ? "" : f).toList());
    }
    return records;
  }

  /** As {@link #csv}, but an unquoted empty field is null ({@code ""} stays an empty string). */
  public static List<List<String>> csvWithNulls(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
        wasQuoted = true;
      } else if (c == ',' || c == '\r' || c == '\n') {
        fields.add(field.length() == 0 && !wasQuoted ? null : field.toString());
        field.setLength(0);
        wasQuoted = false;
        if (c != ',') {
          if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
            i++;
          }
          records.add(fields);
          fields = new ArrayList<>();
        }
      } else {
        field.append(c);
      }
    }
    if (field.length() > 0 || wasQuoted || !fields.isEmpty()) {
      fields.add(field.length() == 0 && !wasQuoted ? null : field.toString());
      records.add(fields);
    }
    return records;
  }
}
