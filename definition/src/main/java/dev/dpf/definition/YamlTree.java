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
   * The tree of {@code text}.
   *
   * @param file name shown in messages
   * @throws DefinitionException when the text is not YAML or a map holds a key twice
   */
  static JsonNode read(String file, String text) {
    try {
      rejectDuplicateKeys(file, text);
      return YAML.readTree(text);
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
   * one silently, so a dataset declared twice would replace the first without a word.
   */
  private static void rejectDuplicateKeys(String file, String text) throws IOException {
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
          }
          case START_OBJECT, START_ARRAY -> {
            Frame parent = stack.peek();
            String path =
                parent == null ? "" : parent.child(parent.keys() == null ? null : pendingKey);
            stack.push(
                new Frame(path, t == JsonToken.START_OBJECT ? new HashMap<>() : null, new int[1]));
          }
          case END_OBJECT, END_ARRAY -> stack.pop();
          default -> {
            Frame parent = stack.peek();
            if (parent != null && parent.keys() == null) {
              parent.index()[0]++; // a scalar list item
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
