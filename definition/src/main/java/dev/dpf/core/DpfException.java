package dev.dpf.core;

/**
 * A failure the user can act on: bad definition, missing input, a broken invariant. Its message
 * says the problem, the cause and the fix in one line, so entry points print it as is and exit
 * non-zero.
 */
public class DpfException extends RuntimeException {
  public DpfException(String message) {
    super(message);
  }

  public DpfException(String message, Throwable cause) {
    super(message, cause);
  }
}
