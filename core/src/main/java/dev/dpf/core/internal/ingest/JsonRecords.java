package dev.dpf.core.internal.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads Firehose objects: JSON records concatenated with no delimiter ({@code {...}{...}}), or one
 * per line, or both. Records are split by scanning bytes for balanced braces outside strings, so
 * one broken record does not take its neighbours with it: a record that does not parse and spans
 * line breaks is read again line by line. Objects under an error prefix ({@code
 * processing-failed/}, {@code format-conversion-failed/}, ...) hold Firehose's failure envelopes:
 * each is decoded and quarantined with its error code.
 */
final class JsonRecords implements RecordReader {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // Keep numbers as written: 12.50 stays 12.50.
          .setNodeFactory(
              com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true));

  private static final com.fasterxml.jackson.databind.ObjectReader TREE =
      JSON.readerFor(JsonNode.class);

  private final Scanner scanner;
  private final RecordSink out;
  private final java.nio.charset.CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  // Field names repeat record after record: each is folded once per file.
  private final Map<String, String> foldedNames = new java.util.HashMap<>();
  private final String errorOutput;
  private boolean any;
  private boolean done;

  /**
   * @param errorOutput the Firehose error output type when the file lies under an error prefix
   *     (such as {@code processing-failed}), else null
   */
  JsonRecords(InputStream in, RecordSink out, String errorOutput) {
    this.scanner = new Scanner(in, 1, 0);
    this.out = out;
    this.errorOutput = errorOutput;
  }

  /**
   * The Firehose error output type named by a folder of the file's key below the source's path
   * ({@code processing-failed}, {@code format-conversion-failed}, ...), or null.
   */
  static String errorOutput(String keyBelowSource) {
    String[] parts = keyBelowSource.split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      if (parts[i].endsWith("-failed")) {
        return parts[i];
      }
    }
    return null;
  }

  @Override
  public boolean advance() {
    if (done) {
      return false;
    }
    Chunk c;
    try {
      c = scanner.next();
    } catch (IOException e) {
      Chunk partial = scanner.partial();
      out.bad(
          partial.position(),
          "file unreadable after byte " + partial.offset() + ": " + RecordSink.describe(e),
          text(partial.bytes()));
      done = true;
      return true;
    }
    if (c == null) {
      done = true;
      if (!any) {
        out.bad(new ParsedRecord.Position(null, null), "empty file (no records)", "");
        return true;
      }
      return false;
    }
    any = true;
    record(c, true);
    return true;
  }

  private void record(Chunk c, boolean mayResplit) {
    String problem;
    if (c.kind() == Chunk.Kind.TEXT) {
      problem = "not a JSON object";
    } else {
      String text;
      try {
        text = utf8.decode(ByteBuffer.wrap(c.bytes())).toString();
      } catch (CharacterCodingException e) {
        out.bad(c.position(), "bytes that are not valid UTF-8", text(c.bytes()));
        return;
      }
      try {
        JsonNode node = TREE.readTree(text);
        if (node.isObject()) {
          emit(c, node);
          return;
        }
        problem =
            "a JSON "
                + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                + ", not an object";
      } catch (JsonProcessingException e) {
        problem =
            (c.kind() == Chunk.Kind.TRUNCATED ? "truncated JSON record: " : "malformed JSON: ")
                + e.getOriginalMessage();
      }
    }
    if (mayResplit && c.spansLines()) {
      // Read the broken stretch again line by line, so records after the break are kept.
      Scanner lines = new Scanner(new ByteArrayInputStream(c.bytes()), c.line(), c.offset());
      lines.stopAtLineBreaks = true;
      try {
        for (Chunk part = lines.next(); part != null; part = lines.next()) {
          record(part, false);
        }
      } catch (IOException e) {
        throw new IllegalStateException("reading bytes in memory", e);
      }
      return;
    }
    out.bad(c.position(), problem, text(c.bytes()));
  }

  private void emit(Chunk c, JsonNode node) {
    if (errorOutput == null) {
      LinkedHashMap<String, String> fields = new LinkedHashMap<>();
      Map<String, String> folded = new java.util.HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String other =
            folded.putIfAbsent(
                foldedNames.computeIfAbsent(e.getKey(), DeclaredFields::folded), e.getKey());
        if (other != null) {
          out.bad(
              c.position(),
              "fields '"
                  + other
                  + "' and '"
                  + e.getKey()
                  + "' name the same column (names are compared ignoring case, surrounding spaces"
                  + " and the characters ' ,;{}()=' a column name cannot hold)",
              text(c.bytes()));
          return;
        }
        JsonNode v = e.getValue();
        fields.put(e.getKey(), v.isNull() ? null : v.isValueNode() ? v.asText() : v.toString());
      }
      out.good(c.position(), fields, null, null);
      return;
    }
    // A Firehose failure envelope: the record it failed on is base64 rawData.
    String code = firstText(node, "errorCode", "lastErrorCode");
    String message = firstText(node, "errorMessage", "lastErrorMessage");
    JsonNode data = node.get("rawData");
    String raw;
    if (data == null || !data.isTextual()) {
      raw = node.toString();
      message = (message == null ? "" : message + "; ") + "envelope has no rawData";
    } else {
      try {
        raw = text(Base64.getDecoder().decode(data.asText()));
      } catch (IllegalArgumentException e) {
        raw = node.toString();
        message = (message == null ? "" : message + "; ") + "rawData is not base64";
      }
    }
    out.bad(
        c.position(),
        "firehose "
            + errorOutput
            + ": "
            + (code == null ? "no error code" : code)
            + (message == null ? "" : ": " + message),
        raw);
  }

  private static String firstText(JsonNode node, String... names) {
    for (String n : names) {
      JsonNode v = node.get(n);
      if (v != null && !v.isNull()) {
        return v.asText();
      }
    }
    return null;
  }

  /** Bytes as text for a quarantine record; bad sequences become U+FFFD. */
  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * One stretch of the input: a value from its opening brace or bracket to the matching close
   * ({@code VALUE}), one that the input ended inside ({@code TRUNCATED}), or other text up to the
   * next line break or brace ({@code TEXT}).
   */
  record Chunk(Kind kind, byte[] bytes, long line, long offset, boolean spansLines) {
    enum Kind {
      VALUE,
      TRUNCATED,
      TEXT
    }

    ParsedRecord.Position position() {
      return new ParsedRecord.Position(line, offset);
    }
  }

  /** Splits bytes into {@link Chunk}s, counting lines and byte offsets. */
  static final class Scanner {
    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int len;
    private long offset;
    private long line;
    // The chunk's bytes: those of earlier buffer fills, then buf[spanStart, pos) while copying.
    private final ByteArrayOutputStream chunk = new ByteArrayOutputStream();
    private boolean copying;
    private int spanStart;
    private long chunkLine;
    private long chunkOffset;
    boolean stopAtLineBreaks;

    Scanner(InputStream in, long firstLine, long firstOffset) {
      this.in = in;
      this.line = firstLine;
      this.offset = firstOffset;
    }

    Chunk partial() {
      return new Chunk(Chunk.Kind.TRUNCATED, taken(), chunkLine, chunkOffset, false);
    }

    /** The chunk's bytes so far; the chunk ends here. */
    private byte[] taken() {
      if (copying) {
        chunk.write(buf, spanStart, pos - spanStart);
        copying = false;
      }
      return chunk.toByteArray();
    }

    private int read() throws IOException {
      int c = peek();
      if (c >= 0) {
        pos++;
        offset++;
      }
      return c;
    }

    private int peek() throws IOException {
      if (pos == len) {
        if (copying) { // the buffer is refilled: keep the chunk's bytes in it first
          chunk.write(buf, spanStart, pos - spanStart);
          spanStart = pos;
        }
        len = in.read(buf, 0, buf.length);
        pos = 0;
        spanStart = 0;
        if (len <= 0) {
          len = 0;
          return -1;
        }
      }
      return buf[pos] & 0xff;
    }

    /** Whether the next bytes are {@code b1, b2} (without consuming them). */
    private boolean startsWith(int b1, int b2) throws IOException {
      if (len - pos < 2) {
        assert !copying : "the buffer is compacted only between chunks";
        System.arraycopy(buf, pos, buf, 0, len - pos);
        len -= pos;
        pos = 0;
        while (len < 2) {
          int n = in.read(buf, len, buf.length - len);
          if (n < 0) {
            break;
          }
          len += n;
        }
      }
      return len - pos >= 2 && (buf[pos] & 0xff) == b1 && (buf[pos + 1] & 0xff) == b2;
    }

    Chunk next() throws IOException {
      chunk.reset();
      int b = firstByte();
      if (b < 0) {
        return null;
      }
      chunkLine = line;
      chunkOffset = offset - 1;
      chunk.write(b);
      copying = true; // later bytes are copied from the buffer in spans, not one by one
      spanStart = pos;
      return b == '{' || b == '[' ? value() : text();
    }

    /** The first byte of the next chunk, past blanks and byte-order marks; -1 at the end. */
    private int firstByte() throws IOException {
      int b;
      do {
        b = read();
        if (b == '\n') {
          line++;
        } else if (b == 0xEF && startsWith(0xBB, 0xBF)) {
          // A UTF-8 byte-order mark before a record (at the start of the object, or written by a
          // producer before each record) is not data.
          read();
          read();
          b = ' ';
        }
      } while (b == ' ' || b == '\t' || b == '\r' || b == '\n');
      return b;
    }

    /** Text outside any value: up to the line's end or the next value. */
    private Chunk text() throws IOException {
      while (true) {
        int n = peek();
        if (n < 0 || n == '\n' || n == '\r' || n == '{' || n == '[') {
          return new Chunk(Chunk.Kind.TEXT, taken(), chunkLine, chunkOffset, false);
        }
        read();
      }
    }

    /** A JSON object or array, to its closing bracket (or cut short). */
    private Chunk value() throws IOException {
      int depth = 1;
      boolean inString = false;
      boolean escaped = false;
      boolean spansLines = false;
      while (true) {
        if (stopAtLineBreaks && (peek() == '\n' || peek() == '\r')) {
          return new Chunk(Chunk.Kind.TRUNCATED, taken(), chunkLine, chunkOffset, false);
        }
        int c = read();
        if (c < 0) {
          return new Chunk(Chunk.Kind.TRUNCATED, taken(), chunkLine, chunkOffset, spansLines);
        }
        if (c == '\n') {
          line++;
          spansLines = true;
        }
        if (inString) {
          if (escaped) {
            escaped = false;
          } else if (c == '\\') {
            escaped = true;
          } else if (c == '"') {
            inString = false;
          }
        } else if (c == '"') {
          inString = true;
        } else if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          if (--depth == 0) {
            return new Chunk(Chunk.Kind.VALUE, taken(), chunkLine, chunkOffset, spansLines);
          }
        }
      }
    }
  }
}
