package dev.dpf.core;

import java.util.Locale;
import java.util.Objects;

/**
 * A failure the user can act on: bad definition, missing input, a broken invariant. Its message
 * says the problem, the cause and the fix in one line, so entry points print it as is and exit
 * non-zero. Its {@link Kind} tells a scheduler what went wrong without reading the words.
 */
public class DpfException extends RuntimeException {
  /** What kind of failure it is; {@code --results} writes it as {@code error_kind}. */
  public enum Kind {
    /** The definition or its SQL is wrong: a key, a model that does not compile, a cycle. */
    DEFINITION,
    /** What the run was given: raw data, a lake or raw root, the data a model's SQL reads. */
    INPUT,
    /** Another process writes the lake. */
    LAKE_IN_USE,
    /** A table's rows read are not its rows written, quarantined and superseded: a bug. */
    RECONCILIATION,
    /** A quality rule set to fail failed (or a warning, with {@code --fail-on-warn}). */
    QUALITY,
    /** An unexpected failure. */
    INTERNAL;

    /** As {@code --results} writes it: {@code lake_in_use}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Kind kind;

  /** A failure of what the run was given ({@link Kind#INPUT}). */
  public DpfException(String message) {
    this(Kind.INPUT, message);
  }

  /** A failure of what the run was given ({@link Kind#INPUT}). */
  public DpfException(String message, Throwable cause) {
    this(Kind.INPUT, message, cause);
  }

  public DpfException(Kind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public DpfException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public Kind kind() {
    return kind;
  }
}
