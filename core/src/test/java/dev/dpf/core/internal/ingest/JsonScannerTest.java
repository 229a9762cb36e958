package dev.dpf.core.internal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The splitting of Firehose objects into records: each record's bytes, kind, line and byte offset,
 * whether the input arrives whole or a few bytes per read (every record then crosses buffer
 * refills). Expected values are counted by hand from the input.
 */
class JsonScannerTest {
  private static final String BOM = "\uFEFF";

  /** Two concatenated records, a BOM, a record with an escaped quote, text, a truncated record. */
  private static final String INPUT =
      "{\"a\":1}{\"b\":\"x}y\"}\n  " + BOM + "{\"c\":[1,2,{\"d\":\"\\\"\"}]}\r\nnot json\n{\"e\":";

  private static final List<String> EXPECTED =
      List.of(
          "VALUE {\"a\":1} line 1 offset 0",
          "VALUE {\"b\":\"x}y\"} line 1 offset 7",
          "VALUE {\"c\":[1,2,{\"d\":\"\\\"\"}]} line 2 offset 24",
          "TEXT not json line 3 offset 48",
          "TRUNCATED {\"e\": line 4 offset 57");

  @Test
  void splitsRecordsWithTheirPositions() throws IOException {
    assertEquals(EXPECTED, chunks(whole(INPUT), false));
  }

  @Test
  void recordsCrossingBufferRefillsKeepEveryByte() throws IOException {
    assertEquals(EXPECTED, chunks(trickle(INPUT), false));
  }

  @Test
  void stopsAtLineBreaksWhenReadingABrokenStretchAgain() throws IOException {
    String input = "{\"a\":\n{\"b\":2}";
    List<String> expected =
        List.of("TRUNCATED {\"a\": line 1 offset 0", "VALUE {\"b\":2} line 2 offset 6");
    assertEquals(expected, chunks(whole(input), true));
    assertEquals(expected, chunks(trickle(input), true));
  }

  @Test
  void aRecordLongerThanTheBufferIsWhole() throws IOException {
    String record = "{\"v\":\"" + "x".repeat(200_000) + "\"}"; // 200,008 bytes, 3 buffer fills
    List<String> got = chunks(whole(" " + record + "{}"), false);
    assertEquals(2, got.size());
    assertTrue(got.get(0).equals("VALUE " + record + " line 1 offset 1"), "the long record whole");
    assertEquals("VALUE {} line 1 offset 200009", got.get(1));
  }

  private static List<String> chunks(InputStream in, boolean stopAtLineBreaks) throws IOException {
    JsonRecords.Scanner scanner = new JsonRecords.Scanner(in, 1, 0);
    scanner.stopAtLineBreaks = stopAtLineBreaks;
    List<String> out = new ArrayList<>();
    for (JsonRecords.Chunk c = scanner.next(); c != null; c = scanner.next()) {
      out.add(
          c.kind()
              + " "
              + new String(c.bytes(), StandardCharsets.UTF_8)
              + " line "
              + c.line()
              + " offset "
              + c.offset());
    }
    return out;
  }

  private static InputStream whole(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The text one to three bytes per read, as a slow network stream may give it. */
  private static InputStream trickle(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)) {
      private int reads;

      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1 + reads++ % 3));
      }
    };
  }
}
