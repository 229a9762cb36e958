package dev.dpf.jobs.extract;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dpf.core.DpfException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The state an extract leaves for the next one, in {@code
 * RAW/_extract/<schema>/<table>/state.json}: its snapshot's number and the highest watermark read.
 */
record ExtractState(int snapshot, String watermark) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The state in {@code stateDir}; null before the first extract. */
  static ExtractState read(Path stateDir) {
    Path file = stateDir.resolve("state.json");
    if (!Files.exists(file)) {
      return null;
    }
    try {
      var node = JSON.readTree(file.toFile());
      return new ExtractState(
          node.get("snapshot").asInt(),
          node.hasNonNull("watermark") ? node.get("watermark").asText() : null);
    } catch (IOException e) {
      throw new DpfException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code state} to {@code stateDir}, replacing the last one at once. */
  static void write(Path stateDir, ExtractState state) {
    ObjectNode node = JSON.createObjectNode();
    node.put("snapshot", state.snapshot());
    node.put("watermark", state.watermark());
    Path file = stateDir.resolve("state.json");
    try {
      Files.createDirectories(stateDir);
      Path tmp = stateDir.resolve(".state.json.tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), node);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new DpfException("Cannot write " + file + ": " + e, e);
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new DpfException("Cannot delete " + root + ": " + e, e);
    }
  }
}
