package dev.dpf.infra;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Construct ids from definition names: {@code order_lines} becomes {@code OrderLines}. */
final class Names {
  private Names() {}

  static String pascal(String snake) {
    return Arrays.stream(snake.split("[_\\-/.]"))
        .filter(p -> !p.isEmpty())
        .map(p -> p.substring(0, 1).toUpperCase(Locale.ROOT) + p.substring(1))
        .collect(Collectors.joining());
  }
}
