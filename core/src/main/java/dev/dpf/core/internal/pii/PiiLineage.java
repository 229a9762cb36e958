package dev.dpf.core.internal.pii;

import dev.dpf.core.api.ColumnOrigin;
import dev.dpf.core.api.Protect;
import dev.dpf.definition.Pii;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;

/**
 * Which tagged columns reach a query's output in clear: a value passes through projections, joins,
 * unions, CTEs, subqueries and any function ({@link ColumnLineage}), except the {@code
 * protect_<tag>} function of its own tag, {@code count} and null tests, which do not show it.
 */
public final class PiiLineage {
  /**
   * A tagged column of a table.
   *
   * @param table {@code zone.table}
   */
  public record Exposure(String table, String column, Pii tag) implements Comparable<Exposure> {
    /** For example {@code transformed.customers.customer_name (pii: name)}. */
    @Override
    public String toString() {
      return table + "." + column + " (pii: " + tag.key() + ")";
    }

    @Override
    public int compareTo(Exposure o) {
      return toString().compareTo(o.toString());
    }
  }

  private final Function<String, Map<String, Set<Exposure>>> tags;

  /**
   * @param tags for a {@code zone.table} name, its columns (lower case) and what each holds in
   *     clear
   */
  public PiiLineage(Function<String, Map<String, Set<Exposure>>> tags) {
    this.tags = tags;
  }

  /**
   * Each output column of {@code analyzed}, in order, with the tagged columns it shows in clear.
   */
  public Map<String, Set<Exposure>> outputs(LogicalPlan analyzed) {
    Map<String, Map<String, Set<Exposure>>> byTable = new HashMap<>();
    Map<String, Set<Exposure>> out = new LinkedHashMap<>();
    ColumnLineage.of(analyzed)
        .forEach(
            (column, origins) -> {
              Set<Exposure> shown = new TreeSet<>();
              for (ColumnOrigin o : origins) {
                if (o.via().contains(ColumnLineage.COUNT)
                    || o.via().contains(ColumnLineage.NULL_TEST)) {
                  continue;
                }
                for (Exposure e :
                    byTable.computeIfAbsent(o.table(), tags).getOrDefault(o.column(), Set.of())) {
                  if (!o.via().contains(Protect.function(e.tag()))) {
                    shown.add(e);
                  }
                }
              }
              out.put(column, shown);
            });
    return out;
  }
}
