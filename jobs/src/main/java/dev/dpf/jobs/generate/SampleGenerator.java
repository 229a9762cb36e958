package dev.dpf.jobs.generate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
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
  interface Sink {
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
          put(out, path, content);
          paths.add(path);
        });
    paths.sort(null);
    return paths;
  }

  /** Writes {@code files} (relative path to content) under {@code out}. */
  public static void write(Path out, java.util.Map<String, String> files) {
    files.forEach((path, content) -> put(out, path, content));
  }

  private static void put(Path out, String path, String content) {
    Path p = out.resolve(path);
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write sample data under " + out, e);
    }
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
      load.append(FULL_LOAD_AT).append(',').append(SampleText.csvLine(c)).append('\n');
    }
    sink.put(CUSTOMERS_PATH + "LOAD00000001.csv", load.toString());
    new PaymentObjects(payments, objectBytes).write(random.split(), customerIds, sink);
    sink.put(
        "files/transactions/transactions_2022-04-23.csv",
        transactions(random.split(), customerIds));
    customerChanges(random.split(), customers).forEach(sink::put);
    new SalesSample(scale).files(random.split(), customerIds).forEach(sink::put);
  }

  /**
   * DMS CDC files that change {@code percent} % of the customers and orders the same scale and seed
   * load: every (100 / percent)-th row of each full load, in load order, updated (a new credit
   * limit; a new order status), and every tenth of those deleted instead, committed on the next
   * day. A scheduler's hourly batch of a busy order system, for the benchmark of a run over it.
   */
  public TreeMap<String, String> dmsChanges(int percent) {
    if (percent < 1 || percent > 100) {
      throw new IllegalArgumentException("percent must be 1 to 100, got " + percent);
    }
    SplittableRandom random = new SplittableRandom(seed);
    List<Integer> customerIds = new ArrayList<>();
    List<String[]> customers = customers(random.split(), customerIds);
    random.split(); // payments
    random.split(); // transactions
    random.split(); // customer changes
    List<String[]> orders = new ArrayList<>();
    new SalesSample(scale).files(random.split(), customerIds, orders);
    SplittableRandom r = new SplittableRandom(seed ^ 0x5EEDL);
    int every = 100 / percent;
    StringBuilder customerCdc =
        new StringBuilder("Op," + DMS_TIMESTAMP + "," + CUSTOMER_COLUMNS + "\n");
    for (int i = 0, n = 0; i < customers.size(); i += every, n++) {
      String[] c = customers.get(i).clone();
      c[12] = SampleText.money(r, 20_000, 230_000, 2);
      customerCdc.append(change(n % 10 == 9 ? "D" : "U", changedAt(n), c));
    }
    TreeMap<String, String> out = new TreeMap<>();
    out.put(CUSTOMERS_PATH + "2026/11/19/20261119-100000000.csv", customerCdc.toString());
    out.put(
        SalesSample.ordersPath("2026/11/19/20261119-100000000.csv"),
        SalesSample.orderChanges(r, orders, every));
    return out;
  }

  /** {@code 2026-11-19 10:mm:ss.SSSSSS}: the n-th change of a batch, a millisecond apart. */
  static String changedAt(int n) {
    return String.format(
        Locale.ROOT,
        "2026-11-19 10:%02d:%02d.%06d",
        n / 60_000 % 60,
        n / 1000 % 60,
        n % 1000 * 1000);
  }

  /** Products per unit of scale. */
  public static final int PRODUCTS = 20;

  /** Orders per unit of scale in the full load. */
  public static final int ORDERS = 60;

  /** Where DMS writes the customers table. */
  private static final String CUSTOMERS_PATH = "dms/classicmodels/customers/";

  /** The DMS endpoint's TimestampColumnName in the sample: the source commit time. */
  public static final String DMS_TIMESTAMP = "dms_timestamp";

  private static final String CUSTOMER_COLUMNS =
      "customerNumber,customerName,contactLastName,contactFirstName,phone,addressLine1,"
          + "addressLine2,city,state,postalCode,country,salesRepEmployeeNumber,creditLimit";
  static final String FULL_LOAD_AT = "2026-11-18 09:00:00.000000";

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
      x1[12] = SampleText.money(r, 20_000, 230_000, 2);
      first.append(change("U", commitTime(12, k, 2), x1));
      x1[4] = x1[4] + "-" + r.nextInt(10);
      first.append(change("U", commitTime(12, k, 2), x1)); // same commit: the later row wins
      first.append(change("D", commitTime(12, k, 3), x2));
      x3[3] = SampleText.pick(r, FIRST);
      String[] renamed = x3.clone();
      x3[5] = (1 + r.nextInt(999)) + " " + SampleText.pick(r, LAST) + " Ave.";
      first.append(change("U", commitTime(12, k, 5), x3)); // moves, after the rename below
      String bLine = change("I", commitTime(12, k, 6), b);
      first.append(bLine);
      second.append(change("U", commitTime(12, k, 4), renamed)); // late: committed before the move
      second.append(bLine); // delivered again
      second.append(change("D", commitTime(13, k, 1), a));
      a[12] = SampleText.money(r, 20_000, 230_000, 2);
      second.append(change("I", commitTime(13, k, 2), a)); // inserted again
    }
    TreeMap<String, String> out = new TreeMap<>();
    out.put(CUSTOMERS_PATH + "2026/11/18/20261118-120000000.csv", first.toString());
    out.put(CUSTOMERS_PATH + "2026/11/18/20261118-130000000.csv", second.toString());
    return out;
  }

  static int take(SplittableRandom r, List<Integer> order) {
    return order.remove(r.nextInt(order.size()));
  }

  /** {@code 2026-11-18 HH:mm:ss.SSSSSS}: hour, then minute k, then the second given. */
  static String commitTime(int hour, int k, int second) {
    return String.format(
        Locale.ROOT, "2026-11-18 %02d:%02d:%02d.%06d", hour, k % 60, second, 1000 * (k / 60));
  }

  static String change(String op, String at, String[] row) {
    return op + "," + at + "," + SampleText.csvLine(row) + "\n";
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
    String name = SampleText.pick(r, NAME_FIRST) + " " + SampleText.pick(r, NAME_LAST);
    String phone =
        place[4] + " " + (1000 + r.nextInt(9000)) + (r.nextInt(3) == 0 ? "" : "-" + r.nextInt(10));
    String line1 =
        (1 + r.nextInt(999))
            + " "
            + SampleText.pick(r, LAST)
            + " "
            + (r.nextBoolean() ? "St." : "Rd.");
    String line2 = r.nextInt(4) == 0 ? "Level " + (1 + r.nextInt(9)) : "";
    String postal = place[3] + String.format(Locale.ROOT, "%02d", r.nextInt(100));
    // classicmodels has customers without a sales rep and with a zero credit limit.
    String rep = r.nextInt(5) == 0 ? "" : Integer.toString(1165 + r.nextInt(20) * 10);
    String credit = r.nextInt(8) == 0 ? "0.00" : SampleText.money(r, 20_000, 230_000, 2);
    rows.add(
        new String[] {
          Integer.toString(number),
          name,
          SampleText.pick(r, LAST),
          SampleText.pick(r, FIRST),
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
    return () -> PaymentObjects.paymentEvent(r, customerIds, clock.get());
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
          .append(SampleText.money(r, 1, 5_000, 2))
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
}
