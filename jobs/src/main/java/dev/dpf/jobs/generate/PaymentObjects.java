package dev.dpf.jobs.generate;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The sample's payment events as Firehose delivers them: objects under {@code
 * streaming/payments/YYYY/MM/DD/HH/}, each a run of JSON records, cut by count and hour or, given a
 * buffer size, as Firehose's buffering cuts them.
 */
final class PaymentObjects {
  private final int payments;
  private final long objectBytes;

  /**
   * @param payments events to write
   * @param objectBytes Firehose's size hint; 0 for a few small objects per hour
   */
  PaymentObjects(int payments, long objectBytes) {
    this.payments = payments;
    this.objectBytes = objectBytes;
  }

  private static final LocalDate PAYMENT_DAY = LocalDate.of(2026, 11, 18);

  private static final DateTimeFormatter FIREHOSE_NAME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);

  private static final DateTimeFormatter HOUR_PREFIX =
      DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC);

  /**
   * Payment events as Firehose delivers them. Events are drawn in random order and spilled to one
   * temporary file per hour of arrival, then each hour is sorted and cut into objects: memory holds
   * one hour of events, whatever the count.
   */
  void write(SplittableRandom r, List<Integer> customerIds, SampleGenerator.Sink sink) {
    Path spill;
    try {
      spill = Files.createTempDirectory("dpf-generate-");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create a temporary folder for the payment events", e);
    }
    try {
      // Arrival instants: spread over three days, a few hours each; events are a little older than
      // their arrival.
      TreeMap<Long, DataOutputStream> hours = new TreeMap<>();
      for (int i = 0; i < payments; i++) {
        long day = r.nextInt(3);
        long second = (8 + r.nextInt(10)) * 3600L + r.nextInt(3600);
        long arrival =
            PAYMENT_DAY.plusDays(day).atStartOfDay().toEpochSecond(ZoneOffset.UTC) + second;
        Instant eventTime =
            Instant.ofEpochSecond(arrival - r.nextInt(5), r.nextInt(1000) * 1_000_000L);
        byte[] record =
            (paymentEvent(r, customerIds, eventTime).json() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        DataOutputStream out = hours.get(arrival / 3600);
        if (out == null) {
          out = spillFile(spill, arrival / 3600);
          hours.put(arrival / 3600, out);
        }
        out.writeLong(arrival * 1000 + i % 1000);
        out.writeInt(i);
        out.writeInt(record.length);
        out.write(record);
      }
      for (DataOutputStream out : hours.values()) {
        out.close();
      }
      Objects objects = new Objects(r, sink);
      for (long hour : hours.keySet()) {
        Path file = spill.resolve(hour + ".bin");
        for (Arrival a : sorted(file)) {
          objects.add(a);
        }
        Files.delete(file);
      }
      objects.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot spill payment events under " + spill, e);
    } finally {
      deleteQuietly(spill);
    }
  }

  private static DataOutputStream spillFile(Path dir, long hour) throws IOException {
    return new DataOutputStream(
        new BufferedOutputStream(Files.newOutputStream(dir.resolve(hour + ".bin")), 1 << 16));
  }

  /** Records that arrived in the same millisecond slot: one entry, in the order drawn. */
  private record Arrival(long key, String records) {}

  /** An hour's spilled events in arrival order; events of the same key joined in draw order. */
  private static List<Arrival> sorted(Path file) throws IOException {
    List<long[]> keys = new ArrayList<>(); // key, draw index, position in records
    List<byte[]> records = new ArrayList<>();
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      while (true) {
        long key;
        try {
          key = in.readLong();
        } catch (java.io.EOFException end) {
          break;
        }
        int i = in.readInt();
        byte[] record = new byte[in.readInt()];
        in.readFully(record);
        keys.add(new long[] {key, i, records.size()});
        records.add(record);
      }
    }
    keys.sort(java.util.Comparator.<long[]>comparingLong(k -> k[0]).thenComparingLong(k -> k[1]));
    List<Arrival> out = new ArrayList<>();
    StringBuilder joined = new StringBuilder();
    for (int k = 0; k < keys.size(); k++) {
      long[] e = keys.get(k);
      joined.append(new String(records.get((int) e[2]), StandardCharsets.UTF_8));
      if (k + 1 == keys.size() || keys.get(k + 1)[0] != e[0]) {
        out.add(new Arrival(e[0], joined.toString()));
        joined.setLength(0);
      }
    }
    return out;
  }

  /**
   * Cuts arrivals into Firehose objects, named after the arrival of their oldest record: by default
   * at most {@link #SampleGenerator.RECORDS_PER_OBJECT} arrivals of one hour each; with a buffer
   * size, objects of up to that many bytes or {@link #SampleGenerator.FIREHOSE_INTERVAL_SECONDS} of
   * arrivals, as Firehose's size and time buffering delivers them.
   */
  private final class Objects {
    private final SplittableRandom r;
    private final SampleGenerator.Sink sink;
    private final StringBuilder body = new StringBuilder();
    private String hour;
    private long first;
    private int count;

    Objects(SplittableRandom r, SampleGenerator.Sink sink) {
      this.r = r;
      this.sink = sink;
    }

    void add(Arrival a) {
      long arrival = a.key() / 1000;
      String h = HOUR_PREFIX.format(Instant.ofEpochSecond(arrival));
      boolean full =
          objectBytes == 0
              ? count == SampleGenerator.RECORDS_PER_OBJECT || (hour != null && !h.equals(hour))
              : count > 0
                  && (body.length() + a.records().length() > objectBytes
                      || arrival - first >= SampleGenerator.FIREHOSE_INTERVAL_SECONDS);
      if (full) {
        flush();
      }
      if (count == 0) {
        first = arrival;
        hour = h;
      }
      if (objectBytes == 0) {
        hour = h;
      }
      body.append(a.records());
      count++;
    }

    void flush() {
      if (count > 0) {
        sink.put(objectKey(hour, first, r), body.toString());
        body.setLength(0);
        count = 0;
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // a temporary folder: the system cleans it up
    }
  }

  static SampleGenerator.PaymentEvent paymentEvent(
      SplittableRandom r, List<Integer> customerIds, Instant time) {
    // Most events are paid by a known customer; the rest carry an id from the blueprint's 100-500
    // range.
    int customer =
        r.nextInt(10) < 7 ? customerIds.get(r.nextInt(customerIds.size())) : 100 + r.nextInt(401);
    String json =
        "{\"payment_id\":\""
            + SampleText.uuid(r)
            + "\",\"payment_time\":\""
            + time
            + "\",\"customer_id\":"
            + customer
            + ",\"payment_amount\":"
            + SampleText.money(r, 5, 5_000, 2)
            + ",\"ipv4_address\":\""
            + SampleText.ipv4(r)
            + "\"}";
    return new SampleGenerator.PaymentEvent(customer, json);
  }

  private static String objectKey(String hour, long firstArrival, SplittableRandom r) {
    return "streaming/payments/"
        + hour
        + "/dpf-payments-1-"
        + FIREHOSE_NAME.format(Instant.ofEpochSecond(firstArrival))
        + "-"
        + SampleText.uuid(r);
  }
}
