package dev.dpf.core.api;

import dev.dpf.core.DpfException;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.Suggest;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;

/**
 * Which tables a run touches, chosen as dbt chooses: {@code --select} and {@code --exclude} specs
 * over the definition's graph of tables (specs apart add up, specs joined by commas intersect). A
 * spec is a table ({@code curated.customer_360}, or {@code customer_360} when one table has that
 * name), a source ({@code source:payments}: its consolidated table) or a zone ({@code
 * zone:curated}); {@code +x} adds everything x reads, directly or not, {@code x+} everything that
 * reads x, {@code +x+} both. A dataset's history table goes with its dataset.
 */
public final class Selection {
  /** Each table of the graph and the tables it reads, in the definition's order. */
  private final Map<String, Set<String>> inputs;

  private final Map<String, String> aliases; // a history table -> its dataset's table
  private final Map<String, List<String>> tags; // a table -> its tags

  private Selection(
      Map<String, Set<String>> inputs,
      Map<String, String> aliases,
      Map<String, List<String>> tags) {
    this.inputs = inputs;
    this.aliases = aliases;
    this.tags = tags;
  }

  /**
   * The graph of the definition's tables: a consolidated table per source; a dataset reads its
   * source's table and the datasets its {@code references} rules read; a model reads the tables its
   * SQL names.
   */
  public static Selection of(SparkSession spark, PipelineDefinition definition) {
    return of(LineageGraph.of(spark, definition), definition);
  }

  /** The selection over {@code graph}, the definition's ({@code definition} gives the tags). */
  public static Selection of(LineageGraph graph, PipelineDefinition definition) {
    Map<String, String> aliases = new LinkedHashMap<>();
    for (LineageGraph.Edge e : graph.edges()) {
      if (e.kind() == LineageGraph.Kind.HISTORY) {
        aliases.put(e.to(), e.from());
      }
    }
    Map<String, Set<String>> inputs = new LinkedHashMap<>();
    for (String table : graph.tables()) {
      if (aliases.containsKey(table)) {
        continue; // a history table is selected with its dataset
      }
      Set<String> in = new LinkedHashSet<>();
      for (String input : graph.inputs(table)) {
        in.add(aliases.getOrDefault(input, input));
      }
      in.remove(table);
      inputs.put(table, in);
    }
    Map<String, List<String>> tags = new LinkedHashMap<>();
    for (String table : inputs.keySet()) {
      tags.put(table, definition.docs(table).tags());
    }
    return new Selection(inputs, aliases, tags);
  }

  /** The tables {@code table} reads (a history table stands for its dataset's). */
  public Set<String> inputs(String table) {
    return java.util.Collections.unmodifiableSet(
        inputs.getOrDefault(aliases.getOrDefault(table, table), Set.of()));
  }

  /** Every table of the graph, in the definition's order. */
  public Set<String> all() {
    return java.util.Collections.unmodifiableSet(inputs.keySet());
  }

  /**
   * The tables {@code select} chooses (all when it is empty), less those {@code exclude} chooses,
   * in the definition's order. As in dbt, specs separated by spaces (or given as separate
   * arguments) add up; specs joined by commas choose the tables they all choose ({@code
   * tag:customer,tag:analytics}: the tables with both tags).
   *
   * @throws DpfException on a spec that names nothing of the definition, or a form of dbt's this
   *     selection does not support ({@code 2+x}, {@code @x}, wildcards, {@code state:})
   */
  public Set<String> choose(List<String> select, List<String> exclude) {
    Set<String> chosen = new LinkedHashSet<>();
    List<String> selectSpecs = specs(select);
    if (selectSpecs.isEmpty()) {
      chosen.addAll(inputs.keySet());
    }
    for (String spec : selectSpecs) {
      chosen.addAll(intersection(spec, "--select"));
    }
    for (String spec : specs(exclude)) {
      chosen.removeAll(intersection(spec, "--exclude"));
    }
    Set<String> out = new LinkedHashSet<>();
    for (String table : inputs.keySet()) {
      if (chosen.contains(table)) {
        out.add(table);
      }
    }
    return out;
  }

  /** Whether {@code table} (a history table counts as its dataset's) is among {@code chosen}. */
  public boolean contains(Set<String> chosen, String table) {
    return chosen.contains(aliases.getOrDefault(table, table));
  }

  /** The specs of the arguments: separated by spaces; a spec may join parts with commas. */
  private static List<String> specs(List<String> args) {
    List<String> out = new ArrayList<>();
    for (String a : args == null ? List.<String>of() : args) {
      for (String s : a.strip().replaceAll("\\s*,\\s*", ",").split("\\s+")) {
        if (!s.isBlank()) {
          out.add(s.strip());
        }
      }
    }
    return out;
  }

  /** The tables every comma-joined part of {@code spec} chooses. */
  private Set<String> intersection(String spec, String option) {
    Set<String> out = null;
    for (String part : spec.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      Set<String> tables = resolve(part.strip(), option);
      if (out == null) {
        out = new LinkedHashSet<>(tables);
      } else {
        out.retainAll(tables);
      }
    }
    return out == null ? Set.of() : out;
  }

  /** dbt's selector methods that this selection does not have. */
  private static final Set<String> DBT_METHODS =
      Set.of(
          "state",
          "result",
          "path",
          "file",
          "config",
          "package",
          "fqn",
          "exposure",
          "metric",
          "test_type",
          "test_name",
          "resource_type",
          "source_status",
          "version",
          "access",
          "group",
          "saved_query",
          "semantic_model",
          "unit_test");

  private Set<String> resolve(String spec, String option) {
    if (spec.startsWith("@")) {
      throw unknown(
          spec,
          option,
          "dbt's @ (a table, what reads it and what those read) is not supported. Use +x+ or x+");
    }
    if (spec.matches("[0-9]+\\+.*|.*\\+[0-9]+")) {
      throw unknown(
          spec,
          option,
          "dbt's depth limit (2+x, x+1) is not supported. Use +x (everything x reads) or x+"
              + " (everything that reads x)");
    }
    if (spec.contains("*") || spec.contains("?")) {
      throw unknown(
          spec,
          option,
          "wildcards are not supported. Use zone:ZONE for a zone's tables, tag:NAME, or name the"
              + " tables");
    }
    boolean up = spec.startsWith("+");
    boolean down = spec.endsWith("+") && spec.length() > 1;
    String body = spec.substring(up ? 1 : 0, spec.length() - (down ? 1 : 0));
    Set<String> roots = roots(body, spec, option);
    Set<String> out = new LinkedHashSet<>(roots);
    if (up) {
      out.addAll(walk(roots, true));
    }
    if (down) {
      out.addAll(walk(roots, false));
    }
    return out;
  }

  private Set<String> roots(String body, String spec, String option) {
    int colon = body.indexOf(':');
    if (colon < 0) {
      return byName(body, spec, option);
    }
    String method = body.substring(0, colon);
    String value = body.substring(colon + 1);
    return switch (method) {
      case "source" -> bySource(value, spec, option);
      case "zone" -> byZone(value, spec, option);
      case "tag" -> byTag(value, spec, option);
      default ->
          throw unknown(
              spec,
              option,
              (DBT_METHODS.contains(method)
                      ? "dbt's method '" + method + ":' is not supported."
                      : "unknown method '"
                          + method
                          + "'."
                          + Suggest.didYouMean(method, List.of("source", "zone", "tag")))
                  + " Use source:, zone:, tag: or a table name");
    };
  }

  /** {@code source:<name>}: the source's consolidated table. */
  private Set<String> bySource(String value, String spec, String option) {
    String table = Zone.CONSOLIDATED.dbName() + "." + value; // as given: it may name no table
    if (!inputs.containsKey(table)) {
      throw unknown(
          spec,
          option,
          "no source '"
              + value
              + "'."
              + Suggest.didYouMean(value, bareNames(Zone.CONSOLIDATED))
              + " Sources: "
              + String.join(", ", bareNames(Zone.CONSOLIDATED)));
    }
    return Set.of(table);
  }

  /** {@code zone:<zone>}: every table of the zone. */
  private Set<String> byZone(String value, String spec, String option) {
    String db = value.toLowerCase(Locale.ROOT);
    Set<String> zone = new LinkedHashSet<>();
    for (String t : inputs.keySet()) {
      if (TableName.parse(t).filter(n -> n.zone().dbName().equals(db)).isPresent()) {
        zone.add(t);
      }
    }
    if (zone.isEmpty()) {
      throw unknown(
          spec,
          option,
          "no table in zone '"
              + value
              + "'."
              + Suggest.didYouMean(value, List.of("consolidated", "transformed", "curated"))
              + " Use consolidated, transformed or curated");
    }
    return zone;
  }

  /** {@code tag:<tag>}: every table with the tag. */
  private Set<String> byTag(String value, String spec, String option) {
    Set<String> tagged = new LinkedHashSet<>();
    for (String t : inputs.keySet()) {
      if (tags.getOrDefault(t, List.of()).contains(value)) {
        tagged.add(t);
      }
    }
    if (tagged.isEmpty()) {
      Set<String> known = new TreeSet<>();
      tags.values().forEach(known::addAll);
      throw unknown(
          spec,
          option,
          "no table is tagged '"
              + value
              + "'."
              + Suggest.didYouMean(value, known)
              + " "
              + (known.isEmpty()
                  ? "No table of the definition has tags"
                  : "Tags: " + String.join(", ", known)));
    }
    return tagged;
  }

  /** A table by its {@code zone.table} name or, when one table has it, its bare name. */
  private Set<String> byName(String body, String spec, String option) {
    String table = aliases.getOrDefault(body, body);
    if (inputs.containsKey(table)) {
      return Set.of(table);
    }
    Set<String> named = new TreeSet<>();
    for (String t : inputs.keySet()) {
      if (nameOf(t).equals(body)) {
        named.add(t);
      }
    }
    aliases.forEach(
        (history, dataset) -> {
          if (nameOf(history).equals(body)) {
            named.add(dataset);
          }
        });
    if (named.size() == 1) {
      return named;
    }
    if (named.size() > 1) {
      throw unknown(
          spec,
          option,
          "several tables are named '"
              + body
              + "': "
              + String.join(", ", named)
              + ". Name one with its zone");
    }
    List<String> all = new ArrayList<>(inputs.keySet());
    all.addAll(aliases.keySet());
    List<String> names = new ArrayList<>(all);
    all.forEach(t -> names.add(nameOf(t)));
    String meant = Suggest.didYouMean(body, names);
    throw unknown(
        spec,
        option,
        "no table '"
            + body
            + "' in the definition."
            + (meant.isEmpty() ? " Tables: " + String.join(", ", all) : meant));
  }

  /** Every table upstream ({@code up}) or downstream of {@code roots}, roots left out. */
  private Set<String> walk(Set<String> roots, boolean up) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      String t = todo.pop();
      List<String> next = new ArrayList<>();
      if (up) {
        next.addAll(inputs.getOrDefault(t, Set.of()));
      } else {
        inputs.forEach(
            (table, in) -> {
              if (in.contains(t)) {
                next.add(table);
              }
            });
      }
      for (String n : next) {
        if (inputs.containsKey(n) && seen.add(n)) {
          todo.push(n);
        }
      }
    }
    seen.removeAll(roots);
    return seen;
  }

  private List<String> bareNames(Zone zone) {
    List<String> out = new ArrayList<>();
    for (String t : inputs.keySet()) {
      TableName.parse(t).filter(n -> n.zone() == zone).ifPresent(n -> out.add(n.name()));
    }
    return out;
  }

  private static DpfException unknown(String spec, String option, String why) {
    return new DpfException(option + " '" + spec + "' selects nothing: " + why);
  }

  /** The name of a {@code zone.table} in its zone. */
  private static String nameOf(String table) {
    return TableName.parse(table).map(TableName::name).orElse(table);
  }
}
