package dev.dpf.definition;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * "Did you mean": of the names that exist, the one a name that does not most likely misspells (a
 * letter missed, doubled, swapped or mistyped), compared without case.
 */
public final class Suggest {
  private static final LevenshteinDistance DISTANCE = LevenshteinDistance.getDefaultInstance();

  private Suggest() {}

  /** The known name closest to {@code given}, if one is close enough to be what was meant. */
  public static Optional<String> closest(String given, Collection<String> known) {
    String g = given.toLowerCase(Locale.ROOT);
    return known.stream()
        .filter(k -> !k.equals(given))
        .filter(k -> distance(g, k) <= allowed(Math.min(g.length(), k.length())))
        .min(Comparator.comparingInt((String k) -> distance(g, k)).thenComparing(k -> k));
  }

  /** {@code " Did you mean 'x'?"}, or "" when no known name is close. */
  public static String didYouMean(String given, Collection<String> known) {
    return closest(given, known).map(k -> " Did you mean '" + k + "'?").orElse("");
  }

  private static int distance(String given, String known) {
    return DISTANCE.apply(given, known.toLowerCase(Locale.ROOT));
  }

  /**
   * Edits allowed for a name of {@code length}: none for 1 or 2 letters (any other short name is as
   * close), 1 up to 4, 2 up to 8, then 3.
   */
  private static int allowed(int length) {
    return length <= 2 ? 0 : length <= 4 ? 1 : length <= 8 ? 2 : 3;
  }
}
