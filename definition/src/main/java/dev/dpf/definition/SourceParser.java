package dev.dpf.definition;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Parses one entry under {@code sources}. */
final class SourceParser {
  /** The settings only CSV sources take. */
  static final Set<String> CSV_KEYS =
      Set.of("header", "columns", "delimiter", "quote", "escape", "encoding", "null_value");

  /** The settings only DMS sources take. */
  static final Set<String> DMS_KEYS = Set.of("include_op_for_full_load", "timestamp_column");

  /** Every key a source takes. */
  static final Set<String> KEYS = keys();

  private final YamlNodes y;

  SourceParser(YamlNodes y) {
    this.y = y;
  }

  private static Set<String> keys() {
    Set<String> keys =
        new HashSet<>(
            Set.of("kind", "path", "format", "on_error", "date_format", "timestamp_format"));
    keys.addAll(DefinitionParser.DOC_KEYS);
    keys.addAll(CSV_KEYS);
    keys.addAll(DMS_KEYS);
    return Set.copyOf(keys);
  }

  SourceDef source(String name, JsonNode node, String at) {
    y.name(name, at);
    y.object(node, at);
    y.keys(node, at, KEYS);
    SourceKind kind = kind(node, at);
    String path = path(node, at);
    SourceDef.Format format = format(kind, node, at);
    if (format != SourceDef.Format.CSV) {
      y.only(node, at, CSV_KEYS, "sources in CSV format");
    }
    if (kind != SourceKind.DMS) {
      y.only(node, at, DMS_KEYS, "dms sources");
    }
    SourceDef.Csv d = SourceDef.Csv.DEFAULT;
    SourceDef.Csv csv =
        new SourceDef.Csv(
            y.bool(node, "header", at, d.header()),
            y.strings(node, "columns", at),
            y.character(node, "delimiter", at, d.delimiter()),
            y.character(node, "quote", at, d.quote()),
            y.character(node, "escape", at, d.escape()),
            encoding(node, at),
            node.hasNonNull("null_value") ? node.get("null_value").asText() : null);
    SourceDef.Dms dms =
        new SourceDef.Dms(
            y.bool(node, "include_op_for_full_load", at, false),
            y.string(node, "timestamp_column", at).orElse(null));
    String onErrorText = y.string(node, "on_error", at).orElse("quarantine");
    SourceDef.OnError onError =
        switch (onErrorText) {
          case "quarantine" -> SourceDef.OnError.QUARANTINE;
          case "fail" -> SourceDef.OnError.FAIL;
          default ->
              throw y.fail(
                  at + ".on_error", "unknown value '" + onErrorText + "'. Use quarantine or fail");
        };
    return new SourceDef(
        name,
        kind,
        path.endsWith("/") ? path.substring(0, path.length() - 1) : path,
        format,
        csv,
        dms,
        onError,
        y.string(node, "date_format", at).orElse(null),
        y.string(node, "timestamp_format", at).orElse(null));
  }

  private SourceKind kind(JsonNode node, String at) {
    String text =
        y.string(node, "kind", at).orElseThrow(() -> y.missing(at, "kind", SourceKind.labels()));
    return SourceKind.fromLabel(text)
        .orElseThrow(
            () ->
                y.fail(
                    at + ".kind",
                    "unknown kind '"
                        + text
                        + "'."
                        + Suggest.didYouMean(
                            text, java.util.Arrays.asList(SourceKind.labels().split(", ")))
                        + " Use one of "
                        + SourceKind.labels()));
  }

  /** The source's folder under the raw root, as written (a trailing '/' kept). */
  private String path(JsonNode node, String at) {
    String path =
        y.string(node, "path", at)
            .orElseThrow(() -> y.missing(at, "path", "a folder relative to the raw root"));
    if (path.startsWith("/") || path.contains("..") || path.contains("\\") || path.isBlank()) {
      throw y.fail(
          at + ".path",
          "'"
              + path
              + "' must be relative to the raw root, with '/' separators and no '..'."
              + " For example streaming/payments");
    }
    return path;
  }

  private SourceDef.Format format(SourceKind kind, JsonNode node, String at) {
    Optional<String> text = y.string(node, "format", at);
    if (text.isEmpty()) {
      return kind.defaultFormat();
    }
    List<String> allowed =
        switch (kind) {
          case FIREHOSE_JSON -> List.of("json");
          case DMS -> List.of("csv", "parquet");
          case CSV_FILES -> List.of("csv");
        };
    if (!allowed.contains(text.get())) {
      throw y.fail(
          at + ".format",
          "'"
              + text.get()
              + "' is not a format of "
              + kind.label()
              + " sources. Use "
              + String.join(" or ", allowed));
    }
    return SourceDef.Format.valueOf(text.get().toUpperCase(Locale.ROOT));
  }

  private String encoding(JsonNode node, String at) {
    String name = y.string(node, "encoding", at).orElse("UTF-8");
    try {
      return java.nio.charset.Charset.forName(name).name();
    } catch (IllegalArgumentException e) {
      throw y.fail(
          at + ".encoding",
          "unknown character set '"
              + name
              + "'. Use for example UTF-8, ISO-8859-1 or windows-1252");
    }
  }
}
