package dev.dpf.definition;

import dev.dpf.core.DpfException;
import java.util.List;

/**
 * Mistakes in the pipeline definition: each names the file, the key path and the fix. One exception
 * may carry several, one per line, so that a definition's mistakes are all told at once.
 */
public final class DefinitionException extends DpfException {
  private final List<String> problems;

  public DefinitionException(String file, String keyPath, String problem) {
    this(file, keyPath, 0, problem);
  }

  /**
   * A mistake at {@code keyPath}, which starts at {@code line} of the file (0: not known): told as
   * {@code line 12: datasets.t.quality[0].action: ...}.
   */
  public DefinitionException(String file, String keyPath, int line, String problem) {
    this(
        file,
        List.of(
            (line > 0 ? "line " + line + ": " : "")
                + (keyPath.isEmpty() ? "" : keyPath + ": ")
                + problem));
  }

  private DefinitionException(String file, List<String> problems) {
    super(
        Kind.DEFINITION,
        problems.size() == 1
            ? file + ": " + problems.get(0)
            : file + ": " + problems.size() + " problems:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Each mistake, as its key path and the fix, in the order they were found. */
  public List<String> problems() {
    return problems;
  }

  /**
   * One exception telling every problem of {@code problems} (at least one) found in the definition
   * {@code file}, each saying where and how to fix it.
   */
  public static DefinitionException all(String file, List<String> problems) {
    return new DefinitionException(file, problems);
  }

  /** One exception telling every mistake of {@code found} (at least one). */
  static DefinitionException of(String file, List<DefinitionException> found) {
    if (found.size() == 1) {
      return found.get(0);
    }
    return new DefinitionException(
        file, found.stream().flatMap(e -> e.problems().stream()).toList());
  }
}
