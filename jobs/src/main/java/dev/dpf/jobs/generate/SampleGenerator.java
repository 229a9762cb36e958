package dev.dpf.jobs.generate;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Deterministic generator of the three raw sources in the raw layout: classicmodels-shaped
 * customers as a DMS full load, payment events as Firehose objects, and partner transactions as a
 * flat CSV file. The same scale and seed always give the same bytes.
 */
public final class SampleGenerator {
  /** The seed of the repository's sample-data. */
  public static final long DEFAULT_SEED = 20261118L;

  /** Customers per unit of scale. */
  public static final int CUSTOMERS = 40;

  /** Payment events per unit of scale. */
  public static final int PAYMENTS = 300;

  /** Transactions per unit of scale. */
  public static final int TRANSACTIONS = 200;

  /** Records per Firehose object at most. */
  static final int RECORDS_PER_OBJECT = 40;

  private static final LocalDate PAYMENT_DAY = LocalDate.of(2026, 11, 18);
  private static final LocalDate TX_FIRST = LocalDate.of(2020, 9, 1);
  private static final LocalDate TX_LAST = LocalDate.of(2022, 4, 22);

  private static final String[][] PLACES = {
    // country, city, state, postal code prefix, phone prefix
    {"USA", "NYC", "NY", "100", "212"},
    {"USA", "San Francisco", "CA", "941", "415"},
    {"USA", "Boston", "MA", "021", "617"},
    {"USA", "Las Vegas", "NV", "891", "702"},
    {"USA", "Philadelphia", "PA", "191", "215"},
    {"France", "Nantes", null, "440", "40.32"},
    {"France", "Paris", null, "750", "(1) 47"},
    {"Germany", "Frankfurt", null, "603", "069-"},
    {"UK", "London", null, "WX1", "(171) 555"},
    {"Australia", "Melbourne", "Victoria", "300", "03 9520"},
    {"Spain", "Madrid", null, "280", "(91) 555"},
    {"Japan", "Tokyo", "Tokyo", "106", "+81 33"},
    {"Canada", "Vancouver", "BC", "V3F", "(604) 555"},
  };
  private static final String[] NAME_FIRST = {
    "Atelier", "Signal", "Australian", "La Rochelle", "Baane", "Mini", "Blauer See", "Mini Wheels",
    "Land of Toys", "Euro+", "Volvo", "Danish", "Saveley & Henriot,", "Dragon", "Muscle", "Diecast",
  };
  private static final String[] NAME_LAST = {
    "Gifts", "Collectables, Co.", "Imports", "Model Replicas", "Auto", "Souveniers, Ltd.",
    "Machine Inc.", "Classics", "Distributors Ltd.", "Shopping Channel", "Models & Co.", "Store",
  };
  private static final String[] FIRST = {
    "Carine",
    "Jean",
    "Peter",
    "Janine",
    "Jonas",
    "Susan",
    "Roland",
    "Julie",
    "Kwai",
    "Diego",
    "Christina",
    "Yu",
    "Zbyszek",
    "Elizabeth",
    "Valarie",
    "Mory",
    "Dean",
  };
  private static final String[] LAST = {
    "Schmitt",
    "King",
    "Ferguson",
    "Labrune",
    "Bergulfsen",
    "Nelson",
    "Keitel",
    "Murphy",
    "Lee",
    "Freyre",
    "Berglund",
    "Piestrzeniewicz",
    "Devon",
    "Thompson",
    "O'Hara",
    "Young",
  };
  private static final String ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final DateTimeFormatter US_DATE = DateTimeFormatter.ofPattern("M/d/yyyy");
  private static final DateTimeFormatter FIREHOSE_NAME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR_PREFIX =
      DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC);

  /** The longest a Firehose buffer holds records before it delivers them (its maximum). */
  static final int FIREHOSE_INTERVAL_SECONDS = 900;

  private final int scale;
  private final long seed;
  private final int payments;
  private final long objectBytes;

  /**
   * @param scale multiplies every count; at least 1
   * @param seed random seed; the same seed gives the same files
   */
  public SampleGenerator(int scale, long seed) {
    this(scale, seed, PAYMENTS * scale, 0);
  }

  private SampleGenerator(int scale, long seed, int payments, long objectBytes) {
    if (scale < 1) {
      throw new IllegalArgumentException("scale must be at least 1, got " + scale);
    }
    if (payments < 1) {
      throw new IllegalArgumentException("payment events must be at least 1, got " + payments);
    }
    if (objectBytes < 0) {
      throw new IllegalArgumentException("object size must be 0 or more, got " + objectBytes);
    }
    this.scale = scale;
    this.seed = seed;
    this.payments = payments;
    this.objectBytes = objectBytes;
  }

  /** The same, with {@code count} payment events instead of {@link #PAYMENTS} per unit of scale. */
  public SampleGenerator withPayments(int count) {
    return new SampleGenerator(scale, seed, count, objectBytes);
  }

  /**
   * The same, with payment objects cut as Firehose's buffering delivers them: up to {@code bytes}
   * (its size hint, 1 to 128 MiB) or {@link #FIREHOSE_INTERVAL_SECONDS} of arrivals, whichever
   * comes first. 0 keeps the default of a few small objects per hour.
   */
  public SampleGenerator withFirehoseBuffer(long bytes) {
    return new SampleGenerator(scale, seed, payments, bytes);
  }

  /** Receives each generated file: its path relative to the raw root, and its content. */
  private interface Sink {
    void put(String path, String content);
  }

  /**
   * Writes the raw files under {@code out} and returns their paths relative to it, sorted. Payment
   * objects are written as they are cut: memory holds about one hour of events.
   */
  public List<String> writeTo(Path out) {
    List<String> paths = new ArrayList<>();
    generate(
        (path, content) -> {
          Path p = out.resolve(path);
          try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, content, StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException("Cannot write sample data under " + out, e);
          }
          paths.add(path);
        });
    paths.sort(null);
    return paths;
  }

  /** The raw files in memory: relative path to content. */
  public TreeMap<String, String> files() {
    TreeMap<String, String> files = new TreeMap<>();
    generate(files::put);
    return files;
  }

  private void generate(Sink sink) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Integer> customerIds = new ArrayList<>();
    List<String[]> customers = customers(random.split(), customerIds);
    StringBuilder load = new StringBuilder(DMS_TIMESTAMP + "," + CUSTOMER_COLUMNS + "\n");
    for (String[] c : customers) {
      load.append(FULL_LOAD_AT).append(',').append(csvLine(c)).append('\n');
    }
    sink.put(CUSTOMERS_PATH + "LOAD00000001.csv", load.toString());
    payments(random.split(), customerIds, sink);
    sink.put(
        "files/transactions/transactions_2022-04-23.csv",
        transactions(random.split(), customerIds));
    customerChanges(random.split(), customers).forEach(sink::put);
    sales(random.split(), customerIds).forEach(sink::put);
  }

  /** Products per unit of scale. */
  public static final int PRODUCTS = 20;

  /** Orders per unit of scale in the full load. */
  public static final int ORDERS = 60;

  private static final String[] PRODUCT_LINES = {
    "Classic Cars", "Motorcycles", "Planes", "Ships", "Trains", "Trucks and Buses", "Vintage Cars"
  };
  private static final String[] PRODUCT_WORDS = {
    "1952 Alpine Renault", "1969 Harley Davidson", "1980s Black Hawk", "The Titanic",
    "1962 City of Detroit", "1940 Ford Pickup", "1937 Lincoln Berline", "Ducati 900 Monster",
    "American Airlines: B767", "Collectable Wooden Train", "1957 Chevy Pickup",
        "18th Century Schooner",
  };
  private static final String[] VENDORS = {
    "Min Lin Diecast", "Classic Metal Creations", "Highway 66 Mini Classics", "Red Start Diecast",
    "Motor City Art Classics", "Second Gear Diecast", "Autoart Studio Design", "Welly Diecast",
  };
  private static final String[] SCALES = {"1:10", "1:12", "1:18", "1:24", "1:32", "1:50", "1:72"};
  private static final String[] STATUSES = {"Cancelled", "On Hold", "Disputed", "In Process"};
  private static final String[] COMMENTS = {
    "Check on availability.",
    "Customer requested that DHL is used for this shipping",
    "Difficult to negotiate with customer. We need more marketing materials",
    "Customer is interested in buying more \"Ferrari\" models, please follow up",
  };

  private static final String PRODUCT_COLUMNS =
      "productCode,productName,productLine,productScale,productVendor,productDescription,"
          + "quantityInStock,buyPrice,MSRP";
  private static final String ORDER_COLUMNS =
      "orderNumber,orderDate,requiredDate,shippedDate,status,comments,customerNumber";
  private static final String ORDER_LINE_COLUMNS =
      "orderNumber,productCode,quantityOrdered,priceEach,orderLineNumber";
  private static final LocalDate ORDERS_FIRST = LocalDate.of(2025, 1, 6);
  private static final LocalDate ORDERS_LAST = LocalDate.of(2026, 11, 17);

  /**
   * The classicmodels sales tables as DMS writes them: products, orders and orderdetails as full
   * loads, then one CDC file each per unit of scale (an order cancelled, and a new order with its
   * lines).
   */
  private TreeMap<String, String> sales(SplittableRandom r, List<Integer> customerIds) {
    List<String[]> products = new ArrayList<>();
    for (int i = 0; i < PRODUCTS * scale; i++) {
      String line = PRODUCT_LINES[i % PRODUCT_LINES.length];
      String buy = money(r, 15, 105, 2);
      String msrp =
          new BigDecimal(buy)
              .multiply(new BigDecimal("1.8"))
              .setScale(2, RoundingMode.HALF_UP)
              .toPlainString();
      products.add(
          new String[] {
            String.format(Locale.ROOT, "S%02d_%04d", 10 + (i % 8) * 2, 1000 + i * 37 % 9000),
            pick(r, PRODUCT_WORDS) + " " + (i + 1),
            line,
            pick(r, SCALES),
            pick(r, VENDORS),
            "Replica of a " + line.toLowerCase(Locale.ROOT) + " model, fully assembled",
            Integer.toString(r.nextInt(10_000)),
            buy,
            msrp
          });
    }
    StringBuilder productLoad = new StringBuilder(DMS_TIMESTAMP + "," + PRODUCT_COLUMNS + "\n");
    for (String[] p : products) {
      productLoad.append(FULL_LOAD_AT).append(',').append(csvLine(p)).append('\n');
    }
    String orderHeader = DMS_TIMESTAMP + "," + ORDER_COLUMNS + "\n";
    String lineHeader = DMS_TIMESTAMP + "," + ORDER_LINE_COLUMNS + "\n";
    StringBuilder orderLoad = new StringBuilder(orderHeader);
    StringBuilder lineLoad = new StringBuilder(lineHeader);
    StringBuilder orderCdc = new StringBuilder("Op," + orderHeader);
    StringBuilder lineCdc = new StringBuilder("Op," + lineHeader);
    long days = ORDERS_LAST.toEpochDay() - ORDERS_FIRST.toEpochDay();
    int number = 10100;
    List<String[]> shipped = new ArrayList<>();
    for (int i = 0; i < ORDERS * scale; i++) {
      String[] order = order(r, number++, ORDERS_FIRST.plusDays(r.nextLong(days + 1)), customerIds);
      if (order[4].equals("Shipped")) {
        shipped.add(order);
      }
      orderLoad.append(FULL_LOAD_AT).append(',').append(csvLine(order)).append('\n');
      for (String[] l : orderLines(r, order[0], products)) {
        lineLoad.append(FULL_LOAD_AT).append(',').append(csvLine(l)).append('\n');
      }
    }
    for (int k = 0; k < scale; k++) {
      String[] cancelled = shipped.remove(r.nextInt(shipped.size())).clone();
      cancelled[3] = "";
      cancelled[4] = "Cancelled";
      cancelled[5] = "Customer cancelled after delivery problems";
      orderCdc.append(change("U", commitTime(14, k, 1), cancelled));
      String[] order = order(r, number++, LocalDate.of(2026, 11, 18), customerIds);
      order[3] = "";
      order[4] = "In Process";
      orderCdc.append(change("I", commitTime(14, k, 2), order));
      for (String[] l : orderLines(r, order[0], products)) {
        lineCdc.append(change("I", commitTime(14, k, 2), l));
      }
    }
    TreeMap<String, String> out = new TreeMap<>();
    out.put(SALES_PATH + "products/LOAD00000001.csv", productLoad.toString());
    out.put(SALES_PATH + "orders/LOAD00000001.csv", orderLoad.toString());
    out.put(SALES_PATH + "orderdetails/LOAD00000001.csv", lineLoad.toString());
    out.put(SALES_PATH + "orders/2026/11/18/20261118-140000000.csv", orderCdc.toString());
    out.put(SALES_PATH + "orderdetails/2026/11/18/20261118-140000000.csv", lineCdc.toString());
    return out;
  }

  private static final String SALES_PATH = "dms/classicmodels/";

  /** One order's raw fields, in {@link #ORDER_COLUMNS} order; mostly shipped. */
  private static String[] order(
      SplittableRandom r, int number, LocalDate date, List<Integer> customerIds) {
    boolean isShipped = r.nextInt(6) != 0;
    return new String[] {
      Integer.toString(number),
      date.toString(),
      date.plusDays(7 + r.nextInt(4)).toString(),
      isShipped ? date.plusDays(1 + r.nextInt(6)).toString() : "",
      isShipped ? "Shipped" : pick(r, STATUSES),
      r.nextInt(4) == 0 ? pick(r, COMMENTS) : "",
      Integer.toString(customerIds.get(r.nextInt(customerIds.size())))
    };
  }

  /** One to six lines of distinct products, priced around the product's MSRP. */
  private static List<String[]> orderLines(
      SplittableRandom r, String orderNumber, List<String[]> products) {
    List<Integer> choices = new ArrayList<>();
    for (int i = 0; i < products.size(); i++) {
      choices.add(i);
    }
    int n = 1 + r.nextInt(6);
    List<String[]> lines = new ArrayList<>();
    for (int line = 1; line <= n; line++) {
      String[] p = products.get(take(r, choices));
      BigDecimal price =
          new BigDecimal(p[8])
              .multiply(BigDecimal.valueOf(80 + r.nextInt(21), 2))
              .setScale(2, RoundingMode.HALF_UP);
      lines.add(
          new String[] {
            orderNumber,
            p[0],
            Integer.toString(20 + r.nextInt(31)),
            price.toPlainString(),
            Integer.toString(line)
          });
    }
    return lines;
  }

  /** Where DMS writes the customers table. */
  private static final String CUSTOMERS_PATH = "dms/classicmodels/customers/";

  /** The DMS endpoint's TimestampColumnName in the sample: the source commit time. */
  public static final String DMS_TIMESTAMP = "dms_timestamp";

  private static final String CUSTOMER_COLUMNS =
      "customerNumber,customerName,contactLastName,contactFirstName,phone,addressLine1,"
          + "addressLine2,city,state,postalCode,country,salesRepEmployeeNumber,creditLimit";
  private static final String FULL_LOAD_AT = "2026-11-18 09:00:00.000000";

  /** Changes per unit of scale in the customers CDC files. */
  public static final int CUSTOMER_CHANGES = 10;

  /**
   * Two DMS CDC files of customer changes, per unit of scale: inserts, updates (two of one key in
   * one commit), a delete, a delete then re-insert, a late update (delivered in the second file,
   * committed before an update in the first) and a redelivered change.
   */
  private TreeMap<String, String> customerChanges(SplittableRandom r, List<String[]> customers) {
    String header = "Op," + DMS_TIMESTAMP + "," + CUSTOMER_COLUMNS + "\n";
    StringBuilder first = new StringBuilder(header);
    StringBuilder second = new StringBuilder(header);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < customers.size(); i++) {
      order.add(i);
    }
    int next = Integer.parseInt(customers.get(customers.size() - 1)[0]) + 1;
    for (int k = 0; k < scale; k++) {
      String[] x1 = customers.get(take(r, order)).clone();
      String[] x2 = customers.get(take(r, order)).clone();
      String[] x3 = customers.get(take(r, order)).clone();
      String[] a = fresh(r, next++);
      String[] b = fresh(r, next++);
      first.append(change("I", commitTime(12, k, 1), a));
      x1[12] = money(r, 20_000, 230_000, 2);
      first.append(change("U", commitTime(12, k, 2), x1));
      x1[4] = x1[4] + "-" + r.nextInt(10);
      first.append(change("U", commitTime(12, k, 2), x1)); // same commit: the later row wins
      first.append(change("D", commitTime(12, k, 3), x2));
      x3[3] = pick(r, FIRST);
      String[] renamed = x3.clone();
      x3[5] = (1 + r.nextInt(999)) + " " + pick(r, LAST) + " Ave.";
      first.append(change("U", commitTime(12, k, 5), x3)); // moves, after the rename below
      String bLine = change("I", commitTime(12, k, 6), b);
      first.append(bLine);
      second.append(change("U", commitTime(12, k, 4), renamed)); // late: committed before the move
      second.append(bLine); // delivered again
      second.append(change("D", commitTime(13, k, 1), a));
      a[12] = money(r, 20_000, 230_000, 2);
      second.append(change("I", commitTime(13, k, 2), a)); // inserted again
    }
    TreeMap<String, String> out = new TreeMap<>();
    out.put(CUSTOMERS_PATH + "2026/11/18/20261118-120000000.csv", first.toString());
    out.put(CUSTOMERS_PATH + "2026/11/18/20261118-130000000.csv", second.toString());
    return out;
  }

  private static int take(SplittableRandom r, List<Integer> order) {
    return order.remove(r.nextInt(order.size()));
  }

  /** {@code 2026-11-18 HH:mm:ss.SSSSSS}: hour, then minute k, then the second given. */
  private static String commitTime(int hour, int k, int second) {
    return String.format(
        Locale.ROOT, "2026-11-18 %02d:%02d:%02d.%06d", hour, k % 60, second, 1000 * (k / 60));
  }

  private static String change(String op, String at, String[] row) {
    return op + "," + at + "," + csvLine(row) + "\n";
  }

  private static String csvLine(String[] fields) {
    List<String> out = new ArrayList<>();
    for (String f : fields) {
      out.add(csvField(f));
    }
    return String.join(",", out);
  }

  /** A new customer for the CDC files. */
  private String[] fresh(SplittableRandom r, int number) {
    List<String[]> one = new ArrayList<>();
    customer(r, number, one);
    return one.get(0);
  }

  private List<String[]> customers(SplittableRandom r, List<Integer> ids) {
    List<String[]> rows = new ArrayList<>();
    int number = 103;
    for (int i = 0; i < CUSTOMERS * scale; i++) {
      number += 1 + r.nextInt(9);
      ids.add(number);
      customer(r, number, rows);
    }
    return rows;
  }

  /** Appends one customer's raw fields, in {@link #CUSTOMER_COLUMNS} order. */
  private static void customer(SplittableRandom r, int number, List<String[]> rows) {
    String[] place = PLACES[r.nextInt(PLACES.length)];
    String name = pick(r, NAME_FIRST) + " " + pick(r, NAME_LAST);
    String phone =
        place[4] + " " + (1000 + r.nextInt(9000)) + (r.nextInt(3) == 0 ? "" : "-" + r.nextInt(10));
    String line1 =
        (1 + r.nextInt(999)) + " " + pick(r, LAST) + " " + (r.nextBoolean() ? "St." : "Rd.");
    String line2 = r.nextInt(4) == 0 ? "Level " + (1 + r.nextInt(9)) : "";
    String postal = place[3] + String.format(Locale.ROOT, "%02d", r.nextInt(100));
    // classicmodels has customers without a sales rep and with a zero credit limit.
    String rep = r.nextInt(5) == 0 ? "" : Integer.toString(1165 + r.nextInt(20) * 10);
    String credit = r.nextInt(8) == 0 ? "0.00" : money(r, 20_000, 230_000, 2);
    rows.add(
        new String[] {
          Integer.toString(number),
          name,
          pick(r, LAST),
          pick(r, FIRST),
          phone,
          line1,
          line2,
          place[1],
          place[2] == null ? "" : place[2],
          postal,
          place[0],
          rep,
          credit
        });
  }

  /**
   * Payment events as Firehose delivers them. Events are drawn in random order and spilled to one
   * temporary file per hour of arrival, then each hour is sorted and cut into objects: memory holds
   * one hour of events, whatever the count.
   */
  private void payments(SplittableRandom r, List<Integer> customerIds, Sink sink) {
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
   * at most {@link #RECORDS_PER_OBJECT} arrivals of one hour each; with a buffer size, objects of
   * up to that many bytes or {@link #FIREHOSE_INTERVAL_SECONDS} of arrivals, as Firehose's size and
   * time buffering delivers them.
   */
  private final class Objects {
    private final SplittableRandom r;
    private final Sink sink;
    private final StringBuilder body = new StringBuilder();
    private String hour;
    private long first;
    private int count;

    Objects(SplittableRandom r, Sink sink) {
      this.r = r;
      this.sink = sink;
    }

    void add(Arrival a) {
      long arrival = a.key() / 1000;
      String h = HOUR_PREFIX.format(Instant.ofEpochSecond(arrival));
      boolean full =
          objectBytes == 0
              ? count == RECORDS_PER_OBJECT || (hour != null && !h.equals(hour))
              : count > 0
                  && (body.length() + a.records().length() > objectBytes
                      || arrival - first >= FIREHOSE_INTERVAL_SECONDS);
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

  /** A payment event as a stream carries it: its customer (the partition key) and its JSON. */
  public record PaymentEvent(int customerId, String json) {}

  /**
   * Endless payment events in the sample's shape, paid by this sample's customers (70%) or by ids
   * of the blueprint's 100-500 range, stamped by {@code clock}. Event ids come from {@code
   * eventSeed}: give each producer run its own, or redelivered ids collapse in the lake.
   */
  public Supplier<PaymentEvent> paymentEvents(long eventSeed, Supplier<Instant> clock) {
    List<Integer> customerIds = new ArrayList<>();
    customers(new SplittableRandom(seed).split(), customerIds);
    SplittableRandom r = new SplittableRandom(eventSeed);
    return () -> paymentEvent(r, customerIds, clock.get());
  }

  private static PaymentEvent paymentEvent(
      SplittableRandom r, List<Integer> customerIds, Instant time) {
    // Most events are paid by a known customer; the rest carry an id from the blueprint's 100-500
    // range.
    int customer =
        r.nextInt(10) < 7 ? customerIds.get(r.nextInt(customerIds.size())) : 100 + r.nextInt(401);
    String json =
        "{\"payment_id\":\""
            + uuid(r)
            + "\",\"payment_time\":\""
            + time
            + "\",\"customer_id\":"
            + customer
            + ",\"payment_amount\":"
            + money(r, 5, 5_000, 2)
            + ",\"ipv4_address\":\""
            + ipv4(r)
            + "\"}";
    return new PaymentEvent(customer, json);
  }

  private static String objectKey(String hour, long firstArrival, SplittableRandom r) {
    return "streaming/payments/"
        + hour
        + "/dpf-payments-1-"
        + FIREHOSE_NAME.format(Instant.ofEpochSecond(firstArrival))
        + "-"
        + uuid(r);
  }

  private String transactions(SplittableRandom r, List<Integer> customerIds) {
    StringBuilder csv =
        new StringBuilder("customer_id,transaction_id,amount,account_number,date,approved\r\n");
    long days = TX_LAST.toEpochDay() - TX_FIRST.toEpochDay();
    for (int i = 0; i < TRANSACTIONS * scale; i++) {
      int customer = customerIds.get(r.nextInt(customerIds.size()));
      StringBuilder id = new StringBuilder();
      for (int k = 0; k < 10; k++) {
        id.append(ALNUM.charAt(r.nextInt(ALNUM.length())));
      }
      // Account numbers are 7-10 digits and may start with 0: they are text, not numbers.
      int digits = 7 + r.nextInt(4);
      StringBuilder account = new StringBuilder();
      for (int k = 0; k < digits; k++) {
        account.append((char) ('0' + r.nextInt(10)));
      }
      LocalDate date = TX_FIRST.plusDays(r.nextLong(days + 1));
      csv.append(customer)
          .append(',')
          .append(id)
          .append(',')
          .append(money(r, 1, 5_000, 2))
          .append(',')
          .append(account)
          .append(',')
          .append(US_DATE.format(date))
          .append(',')
          .append(r.nextBoolean() ? "TRUE" : "FALSE")
          .append("\r\n");
    }
    return csv.toString();
  }

  private static String money(SplittableRandom r, int min, int max, int scale) {
    long cents = (long) min * 100 + r.nextLong((long) (max - min) * 100);
    return BigDecimal.valueOf(cents, 2).setScale(scale, RoundingMode.UNNECESSARY).toPlainString();
  }

  private static String ipv4(SplittableRandom r) {
    return (1 + r.nextInt(223))
        + "."
        + r.nextInt(256)
        + "."
        + r.nextInt(256)
        + "."
        + (1 + r.nextInt(254));
  }

  private static String uuid(SplittableRandom r) {
    return new java.util.UUID(
            (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L,
            (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L)
        .toString();
  }

  private static String pick(SplittableRandom r, String[] values) {
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
}
