package dev.dpf.core.definition;

import java.util.Objects;

/**
 * One raw source. It lands under {@code <raw root>/<path>} and is ingested into the consolidated
 * table of the same name.
 *
 * @param name source name, also the consolidated table name
 * @param kind how the source writes its files
 * @param path location relative to the raw root, with forward slashes and no leading slash
 */
public record SourceDef(String name, SourceKind kind, String path) {
  public SourceDef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
  }
}
