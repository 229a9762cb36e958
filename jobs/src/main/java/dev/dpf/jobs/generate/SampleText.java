package dev.dpf.jobs.generate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random values and CSV text for the sample generator. */
final class SampleText {
  private SampleText() {}

  static String money(SplittableRandom r, int min, int max, int scale) {
    long cents = (long) min * 100 + r.nextLong((long) (max - min) * 100);
    return BigDecimal.valueOf(cents, 2).setScale(scale, RoundingMode.UNNECESSARY).toPlainString();
  }

  static String ipv4(SplittableRandom r) {
    return (1 + r.nextInt(223))
        + "."
        + r.nextInt(256)
        + "."
        + r.nextInt(256)
        + "."
        + (1 + r.nextInt(254));
  }

  static String uuid(SplittableRandom r) {
    return new java.util.UUID(
            (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L,
            (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L)
        .toString();
  }

  static String pick(SplittableRandom r, String[] values) {
    return values[r.nextInt(values.length)];
  }

  /** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
  static String csvField(String value) {
    if (value.contains(",")
        || value.contains("\"")
        || value.contains("\n")
        || value.contains("\r")) {
      return "\"" + value.replace("\"", "\"\"") + "\"";
    }
    return value;
  }

  static String csvLine(String[] fields) {
    List<String> out = new ArrayList<>();
    for (String f : fields) {
      out.add(csvField(f));
    }
    return String.join(",", out);
  }
}
