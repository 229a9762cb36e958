package dev.dpf.jobs.site;

import com.sun.net.httpserver.HttpServer;
import dev.dpf.core.DpfException;
import dev.dpf.core.pipeline.Pipeline;
import dev.dpf.core.storage.Lake;
import dev.dpf.definition.PipelineDefinition;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;

/**
 * {@code dpf docs} and the run report: a static site of the pipeline (its lineage graph, a page per
 * table, its runs, quality and quarantine) written as plain files that open from the file system
 * with nothing fetched.
 */
public final class DocsSite {
  /** The file that marks a folder as a site this writes (so it may replace its pages). */
  static final String MARKER = ".dpf-site";

  private DocsSite() {}

  /** Where {@code dpf run} writes its report by default: {@code <lake>/_system/report}. */
  public static String defaultDir(Lake lake) {
    return lake.root() + "/_system/report";
  }

  /**
   * Where {@code dpf docs --as-of-run RUN} writes by default: {@code
   * <lake>/_system/report/as-of/<RUN>}, beside the report (which leaves it alone).
   */
  public static String defaultDir(Lake lake, String asOfRun) {
    return defaultDir(lake) + "/as-of/" + asOfRun.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  /**
   * Writes the site of {@code lake} into {@code dir} (a local folder or a Hadoop URI), replacing an
   * earlier one there. Returns what was written.
   *
   * @throws DpfException when {@code dir} holds files but not a site this wrote
   */
  public static Written write(
      SparkSession spark, PipelineDefinition definition, Lake lake, String dir) {
    return write(spark, definition, lake, dir, "");
  }

  /**
   * As {@link #write(SparkSession, PipelineDefinition, Lake, String)}, of the lake as the run
   * {@code asOfRun} left it: {@code lake} is {@link Lake#asOf} that run's versions, and every page
   * says which run it shows.
   */
  public static Written write(
      SparkSession spark, PipelineDefinition definition, Lake lake, String dir, String asOfRun) {
    long start = System.nanoTime();
    var lineage =
        Pipeline.builder(spark, definition, lake)
            .run("docs", Instant.now())
            .build()
            .columnLineage();
    Site site = SiteData.collect(spark, definition, lake, asOfRun, lineage);
    Map<String, String> pages = Pages.render(site);
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir);
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (fs.exists(root)) {
        boolean empty = fs.listStatus(root).length == 0;
        if (!empty && !fs.exists(new org.apache.hadoop.fs.Path(root, MARKER))) {
          throw new DpfException(
              dir
                  + " holds files that are not a dpf site; nothing was written there. Pass an"
                  + " empty or new folder");
        }
      }
      for (var page : pages.entrySet()) {
        write(fs, new org.apache.hadoop.fs.Path(root, page.getKey()), page.getValue());
      }
      removeGonePages(fs, root, pages.keySet());
      write(
          fs,
          new org.apache.hadoop.fs.Path(root, MARKER),
          stamp(definition, lake) + (asOfRun.isEmpty() ? "" : "as of run " + asOfRun + "\n"));
      String index = fs.makeQualified(new org.apache.hadoop.fs.Path(root, "index.html")).toString();
      return new Written(
          index, pages.size(), site.nodes().size(), (System.nanoTime() - start) / 1e9);
    } catch (IOException e) {
      throw new DpfException("Cannot write the site to " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * What a site's marker holds: who wrote it, from which definition (by fingerprint), of which lake
   * (where it is: a lake copied or moved has its pages, which name its folders, written again).
   */
  private static String stamp(PipelineDefinition definition, Lake lake) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(definition.toString().getBytes(StandardCharsets.UTF_8));
      return "written by dpf docs\ndefinition "
          + java.util.HexFormat.of().formatHex(d)
          + "\nlake "
          + lake.root()
          + "\n";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The front page of the site in {@code dir}, if there is one written from this definition for
   * this lake where it is now (a run that changed nothing in the lake can keep it: it would be
   * written the same).
   */
  public static java.util.Optional<String> current(
      SparkSession spark, PipelineDefinition definition, Lake lake, String dir) {
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir);
    try {
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      org.apache.hadoop.fs.Path marker = new org.apache.hadoop.fs.Path(root, MARKER);
      org.apache.hadoop.fs.Path index = new org.apache.hadoop.fs.Path(root, "index.html");
      if (!fs.exists(marker) || !fs.exists(index)) {
        return java.util.Optional.empty();
      }
      try (var in = fs.open(marker)) {
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return text.equals(stamp(definition, lake))
            ? java.util.Optional.of(fs.makeQualified(index).toString())
            : java.util.Optional.empty();
      }
    } catch (IOException e) {
      return java.util.Optional.empty(); // written again
    }
  }

  /**
   * What {@link #write} wrote.
   *
   * @param index the site's front page, as a URI ({@code file:/...} for a local folder)
   */
  public record Written(String index, int pages, int tables, double seconds) {
    /** The line that tells where the site went: {@code Report ... (N pages, T tables, S s)}. */
    public String line() {
      return String.format(
          java.util.Locale.ROOT,
          "Report %s  (%d pages, %d tables in the graph, %.1fs)",
          index,
          pages,
          tables,
          seconds);
    }
  }

  /**
   * Removes the pages of tables that are gone, each file alone after the new pages are written (not
   * the folder first): a run and a {@code dpf docs} writing the same site at once each leave whole
   * pages, and neither fails on the other's files.
   */
  private static void removeGonePages(
      FileSystem fs, org.apache.hadoop.fs.Path root, java.util.Set<String> written)
      throws IOException {
    org.apache.hadoop.fs.Path tables = new org.apache.hadoop.fs.Path(root, "tables");
    if (!fs.exists(tables)) {
      return;
    }
    for (var f : fs.listStatus(tables)) {
      if (f.isFile() && !written.contains("tables/" + f.getPath().getName())) {
        fs.delete(f.getPath(), false);
      }
    }
  }

  private static void write(FileSystem fs, org.apache.hadoop.fs.Path file, String text)
      throws IOException {
    try (OutputStream out = fs.create(file, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Serves the site's files under {@code dir} on 127.0.0.1 at {@code port} (0: any free port) until
   * the returned server is stopped; only files under {@code dir} are served.
   */
  public static HttpServer serve(Path dir, int port) {
    Path root = dir.toAbsolutePath().normalize();
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    } catch (IOException e) {
      throw new DpfException(
          "Cannot serve on 127.0.0.1:"
              + port
              + " ("
              + e.getMessage()
              + "). Is the port in use? Pass another with --port",
          e);
    }
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Path file = root.resolve(path.substring(1)).normalize();
            if (Files.isDirectory(file)) {
              file = file.resolve("index.html");
            }
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
              byte[] body = "not found\n".getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(404, body.length);
              exchange.getResponseBody().write(body);
              return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange
                .getResponseHeaders()
                .set(
                    "Content-Type",
                    file.toString().endsWith(".html")
                        ? "text/html; charset=utf-8"
                        : "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
        });
    server.start();
    return server;
  }
}
