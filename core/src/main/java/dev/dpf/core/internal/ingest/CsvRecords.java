package dev.dpf.core.internal.ingest;

import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import dev.dpf.definition.SourceDef;
import dev.dpf.definition.SourceKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads delimited text: flat files and DMS CSV output. Records are split here (so each keeps its
 * line, its exact text and whether it held bad bytes) and their fields by univocity's parser. A
 * record whose width differs from the header's, with an unterminated quote, with invalid bytes, or
 * (DMS) with an unknown Op code is a bad record with its reason.
 */
final class CsvRecords {
  private static final Pattern DMS_FULL_LOAD = Pattern.compile("LOAD[0-9A-Fa-f]+\\.csv(\\.gz)?");
  private static final Pattern DMS_CDC = Pattern.compile("\\d{8}-\\d{9,}.*\\.csv(\\.gz)?");
  private static final Set<String> OPS = Set.of("I", "U", "D");

  private final SourceDef source;
  private final DeclaredFields declared;
  private final CsvParser fields;

  CsvRecords(SourceDef source, DeclaredFields declared) {
    this.source = source;
    this.declared = declared;
    SourceDef.Csv csv = source.csv();
    CsvParserSettings s = new CsvParserSettings();
    s.getFormat().setDelimiter(csv.delimiter());
    s.getFormat().setQuote(csv.quote());
    s.getFormat().setQuoteEscape(csv.escape());
    s.getFormat().setLineSeparator("\n");
    s.setIgnoreLeadingWhitespaces(false);
    s.setIgnoreTrailingWhitespaces(false);
    s.setIgnoreLeadingWhitespacesInQuotes(false);
    s.setIgnoreTrailingWhitespacesInQuotes(false);
    s.setNormalizeLineEndingsWithinQuotes(false);
    s.setCommentProcessingEnabled(false);
    s.setNullValue(null);
    s.setEmptyValue("");
    s.setMaxCharsPerColumn(-1);
    s.setMaxColumns(20_480);
    this.fields = new CsvParser(s);
  }

  /** What a DMS file name says about its rows. */
  enum DmsFile {
    FULL_LOAD,
    CDC,
    UNKNOWN
  }

  static DmsFile dmsFile(String name) {
    if (DMS_FULL_LOAD.matcher(name).matches()) {
      return DmsFile.FULL_LOAD;
    }
    return DMS_CDC.matcher(name).matches() ? DmsFile.CDC : DmsFile.UNKNOWN;
  }

  /** Reads one file's records into {@code out}, one raw record per {@link Reader#advance()}. */
  Reader open(String file, DecodingReader in, RecordSink out) {
    return new Reader(file, in, out);
  }

  /** The records of one file. */
  final class Reader implements RecordReader {
    private final RecordSink out;
    private final boolean dms = source.kind() == SourceKind.DMS;
    private final DmsFile dmsFile;
    private final Splitter split;
    private String[] names;
    private int opIndex = -1;
    private int tsIndex = -1;
    private String headerProblem; // the file is not this source's: every record is bad
    private boolean any;
    private boolean done;

    Reader(String file, DecodingReader in, RecordSink out) {
      this.out = out;
      this.dmsFile = dms ? dmsFile(file.substring(file.lastIndexOf('/') + 1)) : DmsFile.UNKNOWN;
      this.split = new Splitter(in, source.csv());
    }

    @Override
    public boolean advance() {
      if (done) {
        return false;
      }
      if (dms && dmsFile == DmsFile.UNKNOWN) {
        out.bad(
            new ParsedRecord.Position(null, null),
            "not a DMS data file name: expected LOAD<hex>.csv (full load) or"
                + " yyyyMMdd-HHmmssSSS....csv (CDC), optionally .gz",
            "");
        done = true;
        return true;
      }
      Splitter.Raw rec;
      try {
        rec = split.next();
      } catch (IOException e) {
        Splitter.Raw partial = split.partial();
        out.bad(
            new ParsedRecord.Position(partial.line(), null),
            "file unreadable after line " + (partial.line() - 1) + ": " + RecordSink.describe(e),
            partial.text());
        done = true;
        return true;
      }
      if (rec == null) {
        done = true;
        if (!any) {
          out.bad(new ParsedRecord.Position(null, null), "empty file (no records)", "");
          return true;
        }
        return false;
      }
      any = true;
      record(rec);
      return true;
    }

    /**
     * Learns the field names from the first record: the header row (then it returns true: the
     * record is taken), or the definition's columns for a file without one.
     */
    private boolean fieldNames(Splitter.Raw rec, ParsedRecord.Position at) {
      if (!source.csv().header()) {
        names = headerless(dmsFile);
        opIndex = dms && names[0].equals("Op") ? 0 : -1;
        tsIndex = indexOf(names, source.dms().timestampColumn());
        return false;
      }
      String[] raw = parse(rec.text());
      names = header(raw);
      opIndex = dms ? indexOf(names, "Op") : -1;
      tsIndex = indexOf(names, source.dms().timestampColumn());
      if (rec.malformed() || rec.unterminated()) {
        out.bad(at, "header row is not readable " + charset() + " text", rec.text());
        return true;
      }
      headerProblem = declared.headerProblem(raw);
      if (headerProblem != null) {
        out.bad(at, headerProblem, rec.text());
      }
      return true;
    }

    private void record(Splitter.Raw rec) {
      ParsedRecord.Position at = new ParsedRecord.Position(rec.line(), null);
      if (headerProblem != null) {
        out.bad(at, headerProblem, rec.text());
        return;
      }
      if (names == null && fieldNames(rec, at)) {
        return; // the header row
      }
      if (rec.unterminated()) {
        out.bad(
            at, "unterminated quoted field (no closing " + source.csv().quote() + ")", rec.text());
        return;
      }
      if (rec.malformed()) {
        out.bad(at, "bytes that are not valid " + charset(), rec.text());
        return;
      }
      String[] values = parse(rec.text());
      if (values.length != names.length) {
        out.bad(
            at,
            "expected "
                + names.length
                + " fields ("
                + (source.csv().header() ? "as in the header" : "as in the definition")
                + "), found "
                + values.length,
            rec.text());
        return;
      }
      String op = null;
      if (dms) {
        op = opIndex >= 0 ? values[opIndex] : (dmsFile == DmsFile.FULL_LOAD ? "I" : null);
        if (op == null) {
          out.bad(at, "CDC row without an Op column", rec.text());
          return;
        }
        if (!OPS.contains(op)) {
          out.bad(at, "unknown Op code '" + op + "' (expected I, U or D)", rec.text());
          return;
        }
      }
      LinkedHashMap<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < names.length; i++) {
        if (i != opIndex && i != tsIndex) {
          row.put(names[i], value(values[i]));
        }
      }
      out.good(at, row, op, tsIndex >= 0 ? values[tsIndex] : null);
    }
  }

  private String charset() {
    return source.csv().encoding();
  }

  private String[] parse(String text) {
    String[] v = fields.parseLine(text);
    return v == null ? new String[] {null} : v;
  }

  /**
   * A field's value: with a null marker configured, the marker is NULL and anything else (an empty
   * field too) is text; without one, an unquoted empty field is NULL and {@code ""} is an empty
   * string.
   */
  private String value(String v) {
    String marker = source.csv().nullValue();
    if (marker == null) {
      return v;
    }
    if (v == null) {
      return "";
    }
    return v.equals(marker) ? null : v;
  }

  /**
   * Header names; an empty name, or one that repeats an earlier name ignoring case (Spark and Delta
   * tell columns apart ignoring case), becomes {@code _c<position>}.
   */
  private static String[] header(String[] raw) {
    String[] names = new String[raw.length];
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < raw.length; i++) {
      String n = raw[i] == null ? "" : raw[i];
      names[i] = n.isEmpty() || !seen.add(DeclaredFields.folded(n)) ? "_c" + i : n;
    }
    return names;
  }

  /** The column order of a file without a header row, from the definition. */
  private String[] headerless(DmsFile dmsFile) {
    List<String> names = new ArrayList<>();
    if (source.kind() == SourceKind.DMS
        && (dmsFile == DmsFile.CDC || source.dms().includeOpForFullLoad())) {
      names.add("Op");
    }
    String ts = source.dms().timestampColumn();
    if (ts != null && !source.csv().columns().contains(ts)) {
      names.add(ts);
    }
    names.addAll(source.csv().columns());
    return names.toArray(String[]::new);
  }

  private static int indexOf(String[] names, String name) {
    if (name == null) {
      return -1;
    }
    for (int i = 0; i < names.length; i++) {
      if (names[i].equalsIgnoreCase(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Splits characters into records: a record ends at a line break outside quotes (CRLF, LF or CR).
   * Blank lines are not records. A quote opens a quoted field only at the start of a field.
   */
  static final class Splitter {
    /** One record's text (without its line break), first line, and what was wrong with it. */
    record Raw(String text, long line, boolean malformed, boolean unterminated) {}

    private final DecodingReader in;
    private final char delimiter;
    private final char quote;
    private final char escape;
    private final char[] buf = new char[64 * 1024];
    private int pos;
    private int len;
    private long offset; // characters consumed
    private long line = 1;
    private final StringBuilder text = new StringBuilder();
    private long startLine;

    Splitter(DecodingReader in, SourceDef.Csv csv) {
      this.in = in;
      this.delimiter = csv.delimiter();
      this.quote = csv.quote();
      this.escape = csv.escape();
    }

    /** What was read of the current record when reading failed. */
    Raw partial() {
      return new Raw(text.toString(), startLine == 0 ? line : startLine, false, false);
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
        len = in.read(buf, 0, buf.length);
        pos = 0;
        if (len <= 0) {
          len = 0;
          return -1;
        }
      }
      return buf[pos];
    }

    Raw next() throws IOException {
      text.setLength(0);
      startLine = 0;
      boolean quoted = false;
      boolean closed = false; // the last character closed a quoted field
      boolean fieldStart = true;
      while (true) {
        int c = read();
        if (c < 0) {
          if (text.length() == 0 && !quoted) {
            return null;
          }
          return new Raw(text.toString(), startLine, in.malformedBefore(offset + 1), quoted);
        }
        if (!quoted && (c == '\n' || c == '\r')) {
          if (c == '\r' && peek() == '\n') {
            read();
          }
          line++;
          if (text.length() == 0) {
            continue; // a blank line
          }
          return new Raw(text.toString(), startLine, in.malformedBefore(offset), false);
        }
        if (startLine == 0) {
          startLine = line;
        }
        text.append((char) c);
        if (quoted) {
          if (c == escape && escape != quote) {
            int n = read();
            if (n >= 0) {
              text.append((char) n);
              if (n == '\n') {
                line++;
              }
            }
          } else if (c == quote) {
            quoted = false;
            closed = true;
            continue;
          } else if (c == '\n' || (c == '\r' && peek() != '\n')) {
            line++;
          }
        } else if (c == quote && (fieldStart || (closed && escape == quote))) {
          quoted = true; // opens a quoted field, or a doubled quote inside one
        }
        fieldStart = !quoted && c == delimiter;
        closed = false;
      }
    }
  }
}
