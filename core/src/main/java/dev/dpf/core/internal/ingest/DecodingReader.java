package dev.dpf.core.internal.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayDeque;

/**
 * Decodes bytes to characters like {@link java.io.InputStreamReader}, but instead of failing or
 * silently substituting on bytes that are not valid in the character set, it writes U+FFFD and
 * remembers the character offset, so the record holding the bad bytes can be quarantined. A leading
 * byte-order mark is dropped.
 */
final class DecodingReader extends Reader {
  private final InputStream in;
  private final CharsetDecoder decoder;
  private final ByteBuffer bytes = ByteBuffer.allocate(64 * 1024);
  private final CharBuffer chars = CharBuffer.allocate(64 * 1024);
  private final ArrayDeque<Long> malformed = new ArrayDeque<>();
  private long charsOut;
  private boolean eof;
  private boolean first = true;

  DecodingReader(InputStream in, Charset charset) {
    this.in = in;
    this.decoder =
        charset
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    bytes.flip();
    chars.flip();
  }

  /**
   * Whether a bad byte sequence was decoded before character offset {@code end} (exclusive);
   * forgets those before it. Offsets count characters handed out by {@link #read}.
   */
  boolean malformedBefore(long end) {
    boolean any = false;
    while (!malformed.isEmpty() && malformed.peekFirst() < end) {
      malformed.pollFirst();
      any = true;
    }
    return any;
  }

  @Override
  public int read(char[] buf, int off, int len) throws IOException {
    if (!chars.hasRemaining() && !fill()) {
      return -1;
    }
    int n = Math.min(len, chars.remaining());
    chars.get(buf, off, n);
    charsOut += n;
    return n;
  }

  /** Decodes more characters; false at the end of input. */
  private boolean fill() throws IOException {
    chars.clear();
    long base = charsOut;
    while (chars.position() == 0) {
      if (!bytes.hasRemaining() && eof) {
        CoderResult r = decoder.flush(chars);
        if (r.isError()) {
          malformed.addLast(base + chars.position());
          chars.put('\uFFFD');
        }
        break;
      }
      if (!eof) {
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) {
          eof = true;
        } else {
          bytes.position(bytes.position() + n);
        }
        bytes.flip();
      }
      // Leave room for the U+FFFD that stands in for a bad sequence.
      chars.limit(chars.capacity() - 1);
      CoderResult r = decoder.decode(bytes, chars, eof);
      chars.limit(chars.capacity());
      if (r.isError()) {
        malformed.addLast(base + chars.position());
        chars.put('\uFFFD');
        bytes.position(bytes.position() + r.length());
      }
    }
    chars.flip();
    if (first && chars.hasRemaining()) {
      first = false;
      if (chars.get(chars.position()) == '\uFEFF') {
        chars.get();
        // The BOM is not handed out: shift remembered offsets so they stay relative to read().
        ArrayDeque<Long> shifted = new ArrayDeque<>();
        malformed.forEach(o -> shifted.addLast(o - 1));
        malformed.clear();
        malformed.addAll(shifted);
      }
    }
    return chars.hasRemaining();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
