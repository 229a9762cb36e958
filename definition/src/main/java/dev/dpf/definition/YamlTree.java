package dev.dpf.definition;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads the definition's text into a YAML tree, failing on bad syntax and on repeated keys. */
final class YamlTree {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private YamlTree() {}

  /**
   * A definition's YAML tree, and the line each key path of it starts at ({@code
   * datasets.t.quality[0]}: the line of that list item), for messages.
   */
  record Parsed(JsonNode root, Map<String, Integer> lines) {
    /** The line of {@code keyPath}, else of its nearest ancestor there; 0 when none is known. */
    int line(String keyPath) {
      for (String p = keyPath; !p.isEmpty(); p = parent(p)) {
        Integer line = lines.get(p);
        if (line != null) {
          return line;
        }
      }
      return 0;
    }

    private static String parent(String keyPath) {
      int cut = Math.max(keyPath.lastIndexOf('.'), keyPath.lastIndexOf('['));
      return cut < 0 ? "" : keyPath.substring(0, cut);
    }
  }

  /**
   * The tree of {@code text}, with the line of each key path.
   *
   * @param file name shown in messages
   * @throws DefinitionException when the text is not YAML or a map holds a key twice
   */
  static Parsed read(String file, String text) {
    try {
      Map<String, Integer> lines = new HashMap<>();
      rejectDuplicateKeys(file, text, lines);
      return new Parsed(YAML.readTree(text), Map.copyOf(lines));
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new DefinitionException(
          file,
          "",
          "not valid YAML"
              + where
              + ": "
              + oneLine(e.getOriginalMessage())
              + ". Fix the YAML syntax");
    } catch (IOException e) {
      throw new UncheckedIOException(e); // text in memory: not expected
    }
  }

  /**
   * Fails when a mapping holds the same key twice, naming both lines: YAML parsers keep the last
   * one silently, so a dataset declared twice would replace the first without a word. Puts the line
   * of every key path into {@code lines}.
   */
  private static void rejectDuplicateKeys(String file, String text, Map<String, Integer> lines)
      throws IOException {
    record Frame(String path, Map<String, Integer> keys, int[] index) {
      String child(String key) {
        if (keys == null) {
          return path + "[" + index[0]++ + "]";
        }
        return path.isEmpty() ? key : path + "." + key;
      }
    }
    ArrayDeque<Frame> stack = new ArrayDeque<>();
    String pendingKey = null;
    try (JsonParser p = YAML.getFactory().createParser(text)) {
      for (var t = p.nextToken(); t != null; t = p.nextToken()) {
        switch (t) {
          case FIELD_NAME -> {
            Frame f = stack.peek();
            String key = p.currentName();
            int line = p.currentTokenLocation().getLineNr();
            Integer first = f.keys().putIfAbsent(key, line);
            if (first != null) {
              throw new DefinitionException(
                  file,
                  f.child(key),
                  "declared twice, at line "
                      + first
                      + " and at line "
                      + line
                      + " (YAML would keep only the second). Remove or rename one");
            }
            pendingKey = key;
            lines.putIfAbsent(f.path().isEmpty() ? key : f.path() + "." + key, line);
          }
          case START_OBJECT, START_ARRAY -> {
            Frame parent = stack.peek();
            String path =
                parent == null ? "" : parent.child(parent.keys() == null ? null : pendingKey);
            if (parent != null && parent.keys() == null) {
              lines.putIfAbsent(path, p.currentTokenLocation().getLineNr()); // a list item
            }
            stack.push(
                new Frame(path, t == JsonToken.START_OBJECT ? new HashMap<>() : null, new int[1]));
          }
          case END_OBJECT, END_ARRAY -> stack.pop();
          default -> {
            Frame parent = stack.peek();
            if (parent != null && parent.keys() == null) {
              lines.putIfAbsent(
                  parent.child(null), p.currentTokenLocation().getLineNr()); // a scalar list item
            }
          }
        }
      }
    }
  }

  /** The parser's message without its source excerpts: the lines that say what is wrong, joined. */
  private static String oneLine(String message) {
    return message
        .lines()
        .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)) && !l.startsWith("^"))
        .map(String::strip)
        .collect(Collectors.joining("; "));
  }
}
