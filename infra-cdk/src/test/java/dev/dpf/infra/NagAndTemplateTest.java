package dev.dpf.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;
import software.amazon.awscdk.services.s3.Bucket;

/**
 * cdk-nag's AwsSolutions and PCI DSS 3.2.1 packs find nothing unsuppressed; every suppression says
 * why; no template holds a secret or an account id; synthesis is deterministic.
 */
class NagAndTemplateTest {
  /**
   * Twelve digits standing alone, as an account id stands in an ARN or a bucket name; not a run of
   * digits inside a longer word, such as an asset's content hash ({@code ...a781944167748b...}).
   */
  private static final Pattern ACCOUNT_ID =
      Pattern.compile("(?<![0-9A-Za-z])[0-9]{12}(?![0-9A-Za-z])");

  @Test
  void awsSolutionsAndPciDssFindNoErrorAndNoWarningInProdOrDev() {
    for (Synth.Result r :
        List.of(
            Synth.defaults(),
            Synth.with(
                Map.of(
                    "env", "dev",
                    "createDmsAccountRoles", "true",
                    "alarmEmail", "data-ops@example.com")))) {
      for (Stack stack : List.of(r.stacks().ingestion(), r.stacks().transformations())) {
        Annotations a = Annotations.fromStack(stack);
        assertThat(messages(a.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))))
            .as(stack.getStackName())
            .isEmpty();
        assertThat(messages(a.findError("*", Match.stringLikeRegexp("PCI\\.DSS\\.321-.*"))))
            .as(stack.getStackName())
            .isEmpty();
        assertThat(messages(a.findWarning("*", Match.stringLikeRegexp(".*"))))
            .as(stack.getStackName())
            .isEmpty();
      }
    }
  }

  @Test
  void theChecksAreReallyAppliedToTheApp() {
    // A control: a bare bucket added to the app is reported by the packs DpfApp applies (no access
    // logs, no TLS-only policy), so an empty finding list above means something.
    var app = DpfApp.newApp(Synth.REQUIRED, null);
    DpfApp.build(app, Synth.INFRA);
    Stack probe = new Stack(app, "Probe");
    new Bucket(probe, "Bare");
    List<String> errors = messages(Annotations.fromStack(probe).findError("*", Match.anyValue()));
    assertThat(errors).anyMatch(m -> m.startsWith("AwsSolutions-S1:"));
    assertThat(errors).anyMatch(m -> m.startsWith("AwsSolutions-S10:"));
    assertThat(errors).anyMatch(m -> m.startsWith("PCI.DSS.321-S3BucketLoggingEnabled:"));
    assertThat(errors).anyMatch(m -> m.startsWith("PCI.DSS.321-S3BucketSSLRequestsOnly:"));
  }

  @Test
  void everySuppressionCarriesItsReason() {
    int suppressions = 0;
    for (JsonNode template :
        List.of(Synth.defaults().ingestionJson(), Synth.defaults().transformationsJson())) {
      for (JsonNode resource : template.get("Resources")) {
        JsonNode rules = resource.at("/Metadata/cdk_nag/rules_to_suppress");
        for (JsonNode rule : rules) {
          suppressions++;
          assertThat(rule.get("id").asText())
              .as(rule.toString())
              .matches(
                  "AwsSolutions-[A-Z]+[0-9]+|PCI\\.DSS\\.321-[A-Za-z0-9]+|CdkNagValidationFailure");
          assertThat(rule.get("reason").asText().length()).as(rule.toString()).isGreaterThan(40);
        }
      }
    }
    assertThat(suppressions).isPositive();
  }

  @Test
  void templatesHoldNoSecretValueAndNoAccountId() {
    for (JsonNode template :
        List.of(Synth.defaults().ingestionJson(), Synth.defaults().transformationsJson())) {
      String text = template.toString();
      Matcher m = ACCOUNT_ID.matcher(text);
      assertThat(m.find())
          .as(
              m.find(0)
                  ? "account id in "
                      + text.substring(
                          Math.max(0, m.start() - 40), Math.min(text.length(), m.end() + 40))
                  : "")
          .isFalse();
      assertThat(text).doesNotContainPattern("AKIA[0-9A-Z]{16}");
      List<String> keys = new ArrayList<>();
      collectKeys(template, keys);
      // (A secret generated at deployment is described by how: its length and characters.)
      keys.removeAll(List.of("GenerateSecretString", "PasswordLength"));
      assertThat(keys)
          .noneMatch(k -> k.matches("(?i).*(password|secretstring|secretaccesskey|privatekey).*"));
    }
  }

  @Test
  void aSecretGivenByArnIsUsedAsGiven() {
    String arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:dpf/mysql-AbCdEf";
    Synth.with(Map.of("mysqlSecret", arn))
        .ingestion()
        .hasResourceProperties(
            "AWS::DMS::Endpoint",
            Map.of(
                "EndpointType", "source", "MySqlSettings", Map.of("SecretsManagerSecretId", arn)));
  }

  @Test
  void synthesisIsDeterministic() {
    Synth.Result again = Synth.with(Map.of());
    assertThat(again.ingestionJson()).isEqualTo(Synth.defaults().ingestionJson());
    assertThat(again.transformationsJson()).isEqualTo(Synth.defaults().transformationsJson());
    assertThat(again.ingestionJson().toString())
        .isEqualTo(Synth.defaults().ingestionJson().toString());
    assertThat(again.transformationsJson().toString())
        .isEqualTo(Synth.defaults().transformationsJson().toString());
  }

  private static void collectKeys(JsonNode node, List<String> keys) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                keys.add(e.getKey());
                collectKeys(e.getValue(), keys);
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectKeys(n, keys));
    }
  }

  private static List<String> messages(List<SynthesisMessage> found) {
    return found.stream().map(m -> String.valueOf(m.getEntry().getData())).toList();
  }
}
