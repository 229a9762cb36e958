package dev.dpf.jobs.run;

import dev.dpf.definition.DefinitionException;
import dev.dpf.definition.Definitions;
import dev.dpf.definition.PipelineDefinition;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Where the pipeline definition is read from: the copy packaged in the jar (no location, or {@code
 * classpath:RESOURCE}), a local file, or any Hadoop path ({@code s3://}, {@code s3a://}, {@code
 * hdfs://}, {@code file:}, ...). Model SQL files are read relative to the definition, from the same
 * place.
 */
public final class DefinitionSource {
  private static final String CLASSPATH = "classpath:";

  /** A URI scheme of two or more letters (so a Windows drive letter is not one). */
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*");

  private DefinitionSource() {}

  /** Whether {@code location} is read through Hadoop (and so needs the session's configuration). */
  public static boolean isHadoopPath(Optional<String> location) {
    return location.isPresent()
        && !location.get().startsWith(CLASSPATH)
        && SCHEME.matcher(location.get()).matches();
  }

  /**
   * Loads the definition.
   *
   * @param hadoop the Hadoop configuration for a Hadoop path (S3 endpoints and credentials); asked
   *     only for one
   * @throws DefinitionException when it is missing or invalid
   */
  static PipelineDefinition load(Optional<String> location, Supplier<Configuration> hadoop) {
    if (location.isEmpty()) {
      return Definitions.loadFromClasspath();
    }
    String loc = location.get();
    if (loc.startsWith(CLASSPATH)) {
      return Definitions.loadFromClasspath(
          loc.substring(CLASSPATH.length()).replaceFirst("^/+", ""));
    }
    if (!isHadoopPath(location)) {
      return Definitions.load(Path.of(loc));
    }
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(loc);
    FileSystem fs;
    try {
      fs = file.getFileSystem(hadoop.get());
    } catch (IOException e) {
      throw new DefinitionException(loc, "", "cannot open its file system: " + e.getMessage());
    }
    String text = read(fs, file);
    if (text == null) {
      throw new DefinitionException(
          loc, "", "file not found. Pass --definition with the path of a pipeline.yaml");
    }
    org.apache.hadoop.fs.Path folder = file.getParent();
    return Definitions.parse(
        loc, text, rel -> read(fs, new org.apache.hadoop.fs.Path(folder, rel)));
  }

  /** The file's text, or null when it does not exist. */
  private static String read(FileSystem fs, org.apache.hadoop.fs.Path file) {
    try (InputStream in = fs.open(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
