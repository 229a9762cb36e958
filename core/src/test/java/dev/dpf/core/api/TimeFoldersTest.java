package dev.dpf.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The time folders a listing starts from ({@link RawRoot#listFrom}) and what it keeps. */
class TimeFoldersTest {
  private static final Duration DAY = Duration.ofDays(1);

  @Test
  void theMarkIsADayBeforeTheNewestFolderAtItsOwnDepthAcrossMonthsAndYears() {
    assertThat(RawRoot.listFrom("2026/11/20/17", DAY)).contains("2026/11/19/17");
    assertThat(RawRoot.listFrom("2026/03/01/00", DAY)).contains("2026/02/28/00");
    assertThat(RawRoot.listFrom("2028/03/01/05", DAY)).contains("2028/02/29/05"); // a leap year
    assertThat(RawRoot.listFrom("2027/01/01", DAY)).contains("2026/12/31");
    assertThat(RawRoot.listFrom("2026/11", DAY)).contains("2026/10");
    assertThat(RawRoot.listFrom("2026", DAY)).contains("2025");
  }

  @Test
  void foldersThatAreNoDateListInFull() {
    assertThat(RawRoot.listFrom("2026/13/01", DAY)).isEmpty();
    assertThat(RawRoot.listFrom("2026/02/30", DAY)).isEmpty();
    assertThat(RawRoot.listFrom("2026/11/20/24", DAY)).isEmpty();
    assertThat(RawRoot.listFrom("12345", DAY)).isEmpty(); // an id, not a year
    assertThat(RawRoot.listFrom("0017", DAY)).isEmpty();
    assertThat(RawRoot.listFrom("2026/11/20/17/30", DAY)).isEmpty(); // minutes: not known
  }

  @Test
  void theNewestFolderIsTheGreatestByNumberAndOnlyFoldersNamedByNumbersUnderTheSourceCount() {
    List<RawRoot.RawFile> files =
        List.of(
            file("s/p/2026/11/9/23/a"),
            file("s/p/2026/11/10/01/b"),
            file("s/p/more/2027/01/01/00/c"),
            file("s/p/d"),
            file("s/other/2030/01/01/00/e"));
    assertThat(RawRoot.newestTimeFolder("s/p", files)).contains("2026/11/10/01");
    assertThat(RawRoot.newestTimeFolder("s/p", List.of(file("s/p/d"), file("s/p/x/y"))))
        .isEqualTo(Optional.empty());
  }

  @Test
  void aListingFromAMarkKeepsFilesAtOrAfterItAndFilesOutsideTimeFolders() {
    String mark = "2026/11/19/17";
    assertThat(RawRoot.listedFrom("s/p", "s/p/2026/11/19/16/a", mark)).isFalse();
    assertThat(RawRoot.listedFrom("s/p", "s/p/2026/11/19/17/a", mark)).isTrue();
    assertThat(RawRoot.listedFrom("s/p", "s/p/2026/11/20/00/a", mark)).isTrue();
    assertThat(RawRoot.listedFrom("s/p", "s/p/2026/10/31/23/a", mark)).isFalse();
    assertThat(RawRoot.listedFrom("s/p", "s/p/2025/12/31/23/a", mark)).isFalse();
    assertThat(RawRoot.listedFrom("s/p", "s/p/2026/11/a", mark)).isTrue(); // on its path
    assertThat(RawRoot.listedFrom("s/p", "s/p/resent/2020/01/01/00/a", mark)).isTrue();
    assertThat(RawRoot.listedFrom("s/p", "s/p/a", mark)).isTrue();
  }

  private static RawRoot.RawFile file(String key) {
    return new RawRoot.RawFile(key, "file:/raw/" + key, 1, 0);
  }
}
