package dev.dpf.core.definition;

import dev.dpf.core.DpfException;

/** A mistake in the pipeline definition: names the file, the key path and the fix. */
public final class DefinitionException extends DpfException {
  public DefinitionException(String file, String keyPath, String problem) {
    super(file + ": " + (keyPath.isEmpty() ? "" : keyPath + ": ") + problem);
  }
}
