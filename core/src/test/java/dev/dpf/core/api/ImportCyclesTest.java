package dev.dpf.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * No two of core's packages depend on each other through their classes: the classes that reach each
 * other (a strongly connected set of the class dependency graph, a nested class counted as its
 * top-level class) all live in one package. Classes of one package may read each other.
 */
class ImportCyclesTest {
  @Test
  void noClassesOfTwoPackagesReachEachOther() {
    JavaClasses core =
        new ClassFileImporter()
            .importUrl(Pipeline.class.getProtectionDomain().getCodeSource().getLocation());
    Map<String, Set<String>> edges = new TreeMap<>();
    for (JavaClass c : core) {
      String from = topLevel(c);
      edges.computeIfAbsent(from, k -> new TreeSet<>());
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        JavaClass target = d.getTargetClass();
        if (target.getPackageName().startsWith("dev.dpf.core") && core.contain(target.getName())) {
          String to = topLevel(target);
          if (!to.equals(from)) {
            edges.get(from).add(to);
          }
        }
      }
    }
    List<String> crossing = new ArrayList<>();
    for (Set<String> component : components(edges)) {
      Set<String> packages = new TreeSet<>();
      component.forEach(c -> packages.add(c.substring(0, c.lastIndexOf('.'))));
      if (packages.size() > 1) {
        crossing.add(String.join(", ", component));
      }
    }
    assertThat(crossing).as("classes of different packages that depend on each other").isEmpty();
  }

  private static String topLevel(JavaClass c) {
    JavaClass top = c;
    while (top.getEnclosingClass().isPresent()) {
      top = top.getEnclosingClass().get();
    }
    return top.getName();
  }

  /** The strongly connected sets of more than one class (Tarjan's algorithm). */
  private static List<Set<String>> components(Map<String, Set<String>> edges) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new java.util.HashSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] next = {0};
    for (String v : edges.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, edges, index, low, stack, onStack, out, next);
      }
    }
    return out;
  }

  private static void connect(
      String v,
      Map<String, Set<String>> edges,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<Set<String>> out,
      int[] next) {
    index.put(v, next[0]);
    low.put(v, next[0]);
    next[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : edges.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        connect(w, edges, index, low, stack, onStack, out, next);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        out.add(component);
      }
    }
  }
}
