package dev.dpf.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.Arrays;
import java.util.List;
import software.constructs.IConstruct;

/**
 * cdk-nag suppressions, each with the reason it is acceptable. A suppression applies to one
 * construct and its children; with findings, only to those exact findings (for IAM5, the wildcard
 * resources or actions named).
 */
final class Nag {
  private Nag() {}

  static void suppress(IConstruct construct, String rule, String reason) {
    NagSuppressions.addResourceSuppressions(
        construct, List.of(NagPackSuppression.builder().id(rule).reason(reason).build()), true);
  }

  /**
   * Suppresses only the given findings of {@code rule}; each finding is a regular expression over
   * cdk-nag's finding text, for example {@code Resource::<LakeBucket.*\.Arn>/consolidated/\*}.
   */
  static void suppressFindings(
      IConstruct construct, String rule, String reason, String... findings) {
    List<Object> appliesTo =
        Arrays.stream(findings)
            .map(f -> (Object) RegexAppliesTo.builder().regex("/^" + f + "$/").build())
            .toList();
    NagSuppressions.addResourceSuppressions(
        construct,
        List.of(NagPackSuppression.builder().id(rule).reason(reason).appliesTo(appliesTo).build()),
        true);
  }
}
