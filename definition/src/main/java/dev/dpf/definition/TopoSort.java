package dev.dpf.definition;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Orders items so that each comes after the items it depends on, keeping the given order otherwise:
 * the order of datasets ({@code references} rules) and of models (their SQL inputs).
 */
public final class TopoSort {
  private TopoSort() {}

  /**
   * The items, each after its dependencies.
   *
   * @param items in their declared order
   * @param dependsOn the items an item must come after (among {@code items}; itself is ignored)
   * @param cycle the failure for a cycle, given its path from the first item to the repeated one
   * @param <T> the item type, with value equality
   */
  public static <T> List<T> order(
      List<T> items,
      Function<T, List<T>> dependsOn,
      Function<List<T>, ? extends RuntimeException> cycle) {
    List<T> out = new ArrayList<>();
    Set<T> done = new HashSet<>();
    for (T item : items) {
      visit(item, dependsOn, cycle, done, new LinkedHashSet<>(), out);
    }
    return out;
  }

  private static <T> void visit(
      T item,
      Function<T, List<T>> dependsOn,
      Function<List<T>, ? extends RuntimeException> cycle,
      Set<T> done,
      LinkedHashSet<T> path,
      List<T> out) {
    if (done.contains(item)) {
      return;
    }
    if (!path.add(item)) {
      List<T> loop = new ArrayList<>(path);
      loop.add(item);
      throw cycle.apply(loop);
    }
    for (T dep : dependsOn.apply(item)) {
      if (!dep.equals(item)) {
        visit(dep, dependsOn, cycle, done, path, out);
      }
    }
    path.remove(item);
    done.add(item);
    out.add(item);
  }
}
