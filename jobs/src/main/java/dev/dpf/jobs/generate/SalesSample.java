package dev.dpf.jobs.generate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The sample's order system beside customers (classicmodels products, orders and order lines) as
 * DMS writes it: full loads, then CDC files.
 */
final class SalesSample {
  private final int scale;

  SalesSample(int scale) {
    this.scale = scale;
  }

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

  private static final String SALES_PATH = "dms/classicmodels/";

  /**
   * The classicmodels sales tables as DMS writes them: products, orders and orderdetails as full
   * loads, then one CDC file each per unit of scale (an order cancelled, and a new order with its
   * lines).
   */
  TreeMap<String, String> files(SplittableRandom r, List<Integer> customerIds) {
    return files(r, customerIds, new ArrayList<>());
  }

  /** As above; {@code orders} receives the full load's orders' raw fields, in load order. */
  TreeMap<String, String> files(
      SplittableRandom r, List<Integer> customerIds, List<String[]> orders) {
    List<String[]> products = products(r);
    StringBuilder productLoad =
        new StringBuilder(SampleGenerator.DMS_TIMESTAMP + "," + PRODUCT_COLUMNS + "\n");
    products.forEach(p -> loaded(productLoad, p));
    String orderHeader = SampleGenerator.DMS_TIMESTAMP + "," + ORDER_COLUMNS + "\n";
    String lineHeader = SampleGenerator.DMS_TIMESTAMP + "," + ORDER_LINE_COLUMNS + "\n";
    StringBuilder orderLoad = new StringBuilder(orderHeader);
    StringBuilder lineLoad = new StringBuilder(lineHeader);
    StringBuilder orderCdc = new StringBuilder("Op," + orderHeader);
    StringBuilder lineCdc = new StringBuilder("Op," + lineHeader);
    long days = ORDERS_LAST.toEpochDay() - ORDERS_FIRST.toEpochDay();
    int number = 10100;
    List<String[]> shipped = new ArrayList<>();
    for (int i = 0; i < SampleGenerator.ORDERS * scale; i++) {
      String[] order = order(r, number++, ORDERS_FIRST.plusDays(r.nextLong(days + 1)), customerIds);
      if (order[4].equals("Shipped")) {
        shipped.add(order);
      }
      loaded(orderLoad, order);
      orders.add(order);
      orderLines(r, order[0], products).forEach(l -> loaded(lineLoad, l));
    }
    for (int k = 0; k < scale; k++) {
      String[] cancelled = shipped.remove(r.nextInt(shipped.size())).clone();
      cancelled[3] = "";
      cancelled[4] = "Cancelled";
      cancelled[5] = "Customer cancelled after delivery problems";
      orderCdc.append(SampleGenerator.change("U", SampleGenerator.commitTime(14, k, 1), cancelled));
      String[] order = order(r, number++, LocalDate.of(2026, 11, 18), customerIds);
      order[3] = "";
      order[4] = "In Process";
      orderCdc.append(SampleGenerator.change("I", SampleGenerator.commitTime(14, k, 2), order));
      for (String[] l : orderLines(r, order[0], products)) {
        lineCdc.append(SampleGenerator.change("I", SampleGenerator.commitTime(14, k, 2), l));
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

  /** The path of an orders CDC file named {@code name} (its dated folders and file name). */
  static String ordersPath(String name) {
    return SALES_PATH + "orders/" + name;
  }

  /**
   * A CDC file changing every {@code every}-th order of {@code orders} in load order: its status
   * updated (every tenth deleted instead), each change at {@link SampleGenerator#changedAt}.
   */
  static String orderChanges(SplittableRandom r, List<String[]> orders, int every) {
    StringBuilder cdc =
        new StringBuilder("Op," + SampleGenerator.DMS_TIMESTAMP + "," + ORDER_COLUMNS + "\n");
    for (int i = 0, n = 0; i < orders.size(); i += every, n++) {
      String[] o = orders.get(i).clone();
      o[4] = SampleText.pick(r, STATUSES);
      cdc.append(SampleGenerator.change(n % 10 == 9 ? "D" : "U", SampleGenerator.changedAt(n), o));
    }
    return cdc.toString();
  }

  /** The products' raw fields, in {@code PRODUCT_COLUMNS} order. */
  private List<String[]> products(SplittableRandom r) {
    List<String[]> products = new ArrayList<>();
    for (int i = 0; i < SampleGenerator.PRODUCTS * scale; i++) {
      String line = PRODUCT_LINES[i % PRODUCT_LINES.length];
      String buy = SampleText.money(r, 15, 105, 2);
      String msrp =
          new BigDecimal(buy)
              .multiply(new BigDecimal("1.8"))
              .setScale(2, RoundingMode.HALF_UP)
              .toPlainString();
      products.add(
          new String[] {
            String.format(Locale.ROOT, "S%02d_%04d", 10 + (i % 8) * 2, 1000 + i * 37 % 9000),
            SampleText.pick(r, PRODUCT_WORDS) + " " + (i + 1),
            line,
            SampleText.pick(r, SCALES),
            SampleText.pick(r, VENDORS),
            "Replica of a " + line.toLowerCase(Locale.ROOT) + " model, fully assembled",
            Integer.toString(r.nextInt(10_000)),
            buy,
            msrp
          });
    }
    return products;
  }

  /** A full-load line of {@code fields}, stamped with the full load's time. */
  private static void loaded(StringBuilder load, String[] fields) {
    load.append(SampleGenerator.FULL_LOAD_AT)
        .append(',')
        .append(SampleText.csvLine(fields))
        .append('\n');
  }

  /** One order's raw fields, in {@link #ORDER_COLUMNS} order; mostly shipped. */
  private static String[] order(
      SplittableRandom r, int number, LocalDate date, List<Integer> customerIds) {
    boolean isShipped = r.nextInt(6) != 0;
    return new String[] {
      Integer.toString(number),
      date.toString(),
      date.plusDays(7 + r.nextInt(4)).toString(),
      isShipped ? date.plusDays(1 + r.nextInt(6)).toString() : "",
      isShipped ? "Shipped" : SampleText.pick(r, STATUSES),
      r.nextInt(4) == 0 ? SampleText.pick(r, COMMENTS) : "",
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
      String[] p = products.get(SampleGenerator.take(r, choices));
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
}
