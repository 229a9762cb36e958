package dev.dpf.core.internal.ingest;

import dev.dpf.core.api.IngestHooks;
import dev.dpf.core.api.RawRoot;
import dev.dpf.definition.SourceDef;
import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.security.DigestInputStream;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.CollectionAccumulator;

/**
 * Turns raw files of one source into {@link ParsedRecord}s, on the executors. Files are read as
 * streams (never whole into memory); GZIP is recognised by its magic bytes, whatever the name. A
 * file that cannot be opened, such as one deleted after it was listed, becomes one bad record.
 */
public final class FileParser implements FlatMapFunction<RawRoot.RawFile, Row> {
  private static final long serialVersionUID = 1L;

  private final SourceDef source;
  private final DeclaredFields declared;
  private final Map<String, String> hadoopConf;
  private CollectionAccumulator<String> digests;
  private transient Configuration conf; // built once per task, not per file
  private IngestHooks hooks = IngestHooks.NONE;

  /** A parser that accepts any CSV header (for a source no dataset reads). */
  public FileParser(SourceDef source, Configuration hadoopConf) {
    this(source, DeclaredFields.NONE, hadoopConf);
  }

  /**
   * @param declared the fields the definition reads from the source: a CSV file whose header row
   *     lacks them is quarantined whole
   * @param hadoopConf the file system settings the executors need (S3 endpoint, credentials)
   */
  public FileParser(SourceDef source, DeclaredFields declared, Configuration hadoopConf) {
    this.source = source;
    this.declared = declared;
    this.hadoopConf = new HashMap<>();
    hadoopConf.forEach(e -> this.hadoopConf.put(e.getKey(), e.getValue()));
  }

  /** Tells {@code hooks} after each record read ({@link IngestHooks#READING}). */
  public FileParser withHooks(IngestHooks hooks) {
    this.hooks = hooks;
    return this;
  }

  /**
   * Reports each file's SHA-256 (as {@code key<TAB>hex}) to {@code digests} once the file has been
   * read to its end.
   */
  public FileParser withDigests(CollectionAccumulator<String> digests) {
    this.digests = digests;
    return this;
  }

  @Override
  public Iterator<Row> call(RawRoot.RawFile file) {
    RecordSink sink = new RecordSink(file.key());
    InputStream in;
    DigestInputStream raw;
    try {
      raw = Digests.hashing(openRaw(file));
      in = decompressed(raw);
    } catch (FileNotFoundException e) {
      sink.bad(
          new ParsedRecord.Position(null, null),
          "file not found: it was deleted after it was listed",
          "");
      return List.of(sink.take()).iterator();
    } catch (IOException e) {
      sink.bad(
          new ParsedRecord.Position(null, null), "cannot open file: " + RecordSink.describe(e), "");
      return List.of(sink.take()).iterator();
    }
    RecordReader reader = reader(file, in, sink);
    return new Iterator<>() {
      private boolean ended;
      private boolean closed;

      @Override
      public boolean hasNext() {
        while (sink.isEmpty() && !ended) {
          ended = !reader.advance();
          hooks.reached(IngestHooks.READING);
        }
        if (sink.isEmpty()) {
          if (!closed) {
            closed = true;
            finish(file, raw, in);
          }
          return false;
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return sink.take();
      }
    };
  }

  /** The reader of the source's format over the file's (decompressed) bytes. */
  private RecordReader reader(RawRoot.RawFile file, InputStream in, RecordSink sink) {
    return switch (source.format()) {
      case JSON ->
          new JsonRecords(
              in, sink, JsonRecords.errorOutput(file.key().substring(source.path().length() + 1)));
      case CSV ->
          new CsvRecords(source, declared)
              .open(
                  file.key(),
                  new DecodingReader(in, Charset.forName(source.csv().encoding())),
                  sink);
      case PARQUET ->
          throw new IllegalArgumentException("Parquet files are read by Spark's reader");
    };
  }

  private InputStream openRaw(RawRoot.RawFile file) throws IOException {
    if (conf == null) {
      conf = new Configuration(false);
      hadoopConf.forEach(conf::set);
    }
    Path path = new Path(file.uri());
    return path.getFileSystem(conf).open(path);
  }

  /** The file's bytes, decompressed when they start with GZIP's magic bytes. */
  private static InputStream decompressed(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 256 * 1024);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      return new GZIPInputStream(in, 64 * 1024);
    }
    return in;
  }

  /** Hashes what the reader left of the file, reports the digest, and closes the file. */
  private void finish(RawRoot.RawFile file, DigestInputStream raw, InputStream in) {
    try {
      String sha = Digests.finish(raw);
      if (digests != null) {
        digests.add(file.key() + "\t" + sha);
      }
    } catch (IOException e) {
      // The records already say what could not be read; without a digest the file is only
      // compared by its size and time.
    }
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
