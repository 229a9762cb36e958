package dev.dpf.definition;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads typed values out of the definition's YAML nodes. Every method takes the key path of the
 * node ({@code at}) and fails with a {@link DefinitionException} naming the file, the path, what is
 * wrong and the fix.
 */
final class YamlNodes {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

  private final String file;
  private final java.util.function.ToIntFunction<String> lines;

  /**
   * @param lines the line of a key path (or of its nearest ancestor), 0 when not known
   */
  YamlNodes(String file, java.util.function.ToIntFunction<String> lines) {
    this.file = file;
    this.lines = lines;
  }

  /** The definition's mistake at key path {@code at}, with its line in the file. */
  DefinitionException fail(String at, String problem) {
    return new DefinitionException(file, at, lines.applyAsInt(at), problem);
  }

  /** The mistake of a required key that is absent, saying what to add. */
  DefinitionException missing(String at, String field, String what) {
    return fail(at + "." + field, "missing. Add " + field + ": " + what);
  }

  void object(JsonNode node, String at) {
    if (node == null || !node.isObject()) {
      throw fail(at, "expected a map of keys, found " + (node == null ? "nothing" : kind(node)));
    }
  }

  /** A map's entries in file order; none when the node is absent or null. */
  List<Map.Entry<String, JsonNode>> entries(JsonNode node, String at) {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    object(node, at);
    node.fields().forEachRemaining(out::add);
    return out;
  }

  /** Fails at the first key of {@code node} that is not {@code allowed}, listing those. */
  void keys(JsonNode node, String at, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!allowed.contains(k)) {
        throw fail(
            at.isEmpty() ? k : at + "." + k,
            "unknown key."
                + Suggest.didYouMean(k, allowed)
                + " Allowed here: "
                + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  /** Fails when {@code node} has one of {@code keys}, which only {@code who} take. */
  void only(JsonNode node, String at, Set<String> keys, String who) {
    for (String k : new TreeSet<>(keys)) {
      if (node.has(k)) {
        throw fail(at + "." + k, "only " + who + " take this setting. Remove it");
      }
    }
  }

  /** A non-empty text value; empty when the key is absent or null. */
  Optional<String> string(JsonNode node, String field, String at) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return Optional.empty();
    }
    if (!n.isValueNode() || n.asText().isBlank()) {
      throw fail(at + "." + field, "expected a non-empty text value, found " + kind(n));
    }
    return Optional.of(n.asText());
  }

  boolean bool(JsonNode node, String field, String at, boolean otherwise) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return otherwise;
    }
    if (!n.isBoolean()) {
      throw fail(at + "." + field, "'" + n.asText() + "' is not a boolean. Use true or false");
    }
    return n.asBoolean();
  }

  char character(JsonNode node, String field, String at, char otherwise) {
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) {
      return otherwise;
    }
    String text = n.asText();
    if (!n.isTextual() || text.length() != 1) {
      throw fail(
          at + "." + field,
          "'" + text + "' is not one character. Quote it, for example \"|\" or \"\\t\"");
    }
    return text.charAt(0);
  }

  /** A list of texts (a single text is a list of one); empty when the key is absent. */
  List<String> strings(JsonNode node, String field, String at) {
    JsonNode n = node.get(field);
    List<String> out = new ArrayList<>();
    if (n != null && !n.isNull()) {
      for (JsonNode c : list(n, at + "." + field)) {
        out.add(c.asText());
      }
    }
    return out;
  }

  /** The items of a list node; a text node is a list of one. */
  List<JsonNode> list(JsonNode n, String at) {
    List<JsonNode> out = new ArrayList<>();
    if (n.isTextual()) {
      out.add(n);
    } else if (n.isArray()) {
      n.forEach(out::add);
    } else {
      throw fail(at, "expected a list, for example [a, b]");
    }
    return out;
  }

  /** Fails unless {@code name} is snake_case. */
  void name(String name, String at) {
    if (!NAME.matcher(name).matches()) {
      throw fail(
          at,
          "'"
              + name
              + "' is not a valid name. Use snake_case: lower-case letters, digits and '_',"
              + " starting with a letter");
    }
  }

  /** True when {@code text} is snake_case. */
  static boolean isName(String text) {
    return NAME.matcher(text).matches();
  }

  /** One of an enum's values, written in lower case; the default when the key is absent. */
  <E extends Enum<E>> E choice(JsonNode node, String field, String at, Class<E> type, E otherwise) {
    Optional<String> text = string(node, field, at);
    if (text.isEmpty()) {
      return otherwise;
    }
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      String k = e.name().toLowerCase(Locale.ROOT);
      if (k.equals(text.get())) {
        return e;
      }
      allowed.add(k);
    }
    throw fail(
        at + "." + field,
        "unknown value '"
            + text.get()
            + "'."
            + Suggest.didYouMean(text.get(), allowed)
            + " Use "
            + String.join(", ", allowed.subList(0, allowed.size() - 1))
            + " or "
            + allowed.get(allowed.size() - 1));
  }

  /**
   * A list of column names, each one of {@code columns} (null: any, as a model's columns are known
   * once its SQL compiles); {@code declaredAt} is where the columns are declared, for the message.
   */
  List<String> columnList(
      JsonNode node, String field, String at, Set<String> columns, String declaredAt) {
    JsonNode n = node.get(field);
    List<String> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    for (JsonNode c : list(n, at + "." + field)) {
      String col = c.asText();
      if (columns != null && !columns.contains(col)) {
        throw fail(
            at + "." + field,
            "unknown column '"
                + col
                + "'."
                + Suggest.didYouMean(col, columns)
                + " Use one of the names under "
                + declaredAt);
      }
      out.add(col);
    }
    return out;
  }

  private static String kind(JsonNode n) {
    if (n.isObject()) {
      return "a map";
    }
    if (n.isArray()) {
      return "a list";
    }
    return "'" + n.asText() + "'";
  }
}
