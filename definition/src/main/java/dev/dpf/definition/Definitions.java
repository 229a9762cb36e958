package dev.dpf.definition;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Reads and validates the pipeline definition ({@code src/pipeline.yaml}). Every mistake is
 * reported as a {@link DefinitionException} naming the file, the key path (for example {@code
 * datasets.transactions.columns.amount.type}) and the fix.
 */
public final class Definitions {
  /** Where the definition is packaged inside the jobs jar. */
  public static final String CLASSPATH_LOCATION = "dpf/pipeline.yaml";

  private Definitions() {}

  /** Loads a definition file; model SQL files are resolved relative to its folder. */
  public static PipelineDefinition load(Path file) {
    String shown = file.toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new DefinitionException(
          shown, "", "file not found. Pass --definition with the path of a pipeline.yaml");
    } catch (IOException e) {
      throw new DefinitionException(shown, "", "cannot read: " + e.getMessage());
    }
    Path dir = file.toAbsolutePath().getParent();
    return parse(shown, text, rel -> readFile(dir.resolve(rel)));
  }

  /** Loads the definition packaged in the jar at {@link #CLASSPATH_LOCATION}. */
  public static PipelineDefinition loadFromClasspath() {
    return loadFromClasspath(CLASSPATH_LOCATION);
  }

  /**
   * Loads a definition from a classpath resource, for example {@code dpf/pipeline.yaml}; model SQL
   * files are resources relative to its folder.
   */
  public static PipelineDefinition loadFromClasspath(String resource) {
    String shown = "classpath:" + resource;
    String text = readResource(resource);
    if (text == null) {
      throw new DefinitionException(
          shown,
          "",
          "not packaged in this jar. Pass --definition with the path of a pipeline.yaml");
    }
    int slash = resource.lastIndexOf('/');
    String folder = slash < 0 ? "" : resource.substring(0, slash + 1);
    return parse(shown, text, rel -> readResource(folder + rel));
  }

  /**
   * Parses definition text.
   *
   * @param file name shown in messages
   * @param text the YAML
   * @param reader reads a file named relative to the definition (model SQL); returns null when it
   *     does not exist
   */
  public static PipelineDefinition parse(
      String file, String text, Function<String, String> reader) {
    YamlTree.Parsed tree = YamlTree.read(file, text);
    return new DefinitionParser(file, reader, tree::line).definition(tree.root());
  }

  private static String readFile(Path path) {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readResource(String name) {
    try (InputStream in = Definitions.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
