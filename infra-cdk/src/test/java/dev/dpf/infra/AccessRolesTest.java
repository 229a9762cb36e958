package dev.dpf.infra;

import static dev.dpf.infra.Synth.getAtt;
import static dev.dpf.infra.Synth.ref;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * Who reaches what on AWS, read from the synthesized template: the analysts' role reaches the
 * curated zone through the Athena workgroup and nothing else, the data engineers' role reads every
 * zone, and the PII hashing key is a secret only the Glue jobs read.
 */
class AccessRolesTest {
  private final Template t = Synth.defaults().transformations();

  /** The repository definition's curated models, by hand. */
  private static final List<String> CURATED =
      List.of(
          "customer_360",
          "customer_data_usa",
          "daily_payments_by_country",
          "revenue_by_productline_month",
          "risk_flags",
          "transactions");

  private static final String GLUE = "arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:";

  private String roleDescribed(String start) {
    List<String> ids =
        t.findResources("AWS::IAM::Role").entrySet().stream()
            .filter(
                e ->
                    Synth.JSON
                        .valueToTree(e.getValue())
                        .at("/Properties/Description")
                        .asText()
                        .startsWith(start))
            .map(Map.Entry::getKey)
            .toList();
    assertThat(ids).hasSize(1);
    return ids.get(0);
  }

  private String lake() {
    return "<" + Synth.idStartingWith(t, "AWS::S3::Bucket", "LakeBucket") + ".Arn>";
  }

  private String artifacts() {
    return "<" + Synth.idStartingWith(t, "AWS::S3::Bucket", "ArtifactsBucket") + ".Arn>";
  }

  /** Every statement of the role as {@code Effect actions -> resources [conditions]}, rendered. */
  private List<String> rendered(String roleId) {
    List<String> out = new ArrayList<>();
    for (JsonNode s : Synth.statements(t, roleId)) {
      StringBuilder b =
          new StringBuilder(s.get("Effect").asText())
              .append(" ")
              .append(String.join(",", Synth.list(s.get("Action"))))
              .append(" -> ")
              .append(String.join(",", Synth.list(s.get("Resource"))));
      if (s.has("Condition")) {
        b.append(" if ").append(s.get("Condition"));
      }
      out.add(b.toString());
    }
    return out;
  }

  @Test
  void analystsReachTheCuratedZonesTablesTheWorkgroupAndItsResultsOnly() {
    String role = roleDescribed("dpf analysts");
    // Assumable by the account's principals its administrators allow; no AWS managed policy.
    t.hasResourceProperties(
        "AWS::IAM::Role",
        Map.of(
            "Description",
            Match.stringLikeRegexp("dpf analysts.*"),
            "ManagedPolicyArns",
            Match.absent()));
    List<String> lakeObjects = new ArrayList<>();
    List<String> glue = new ArrayList<>();
    Map<String, List<String>> byResource = new TreeMap<>();
    for (JsonNode s : Synth.statements(t, role)) {
      assertThat(s.get("Effect").asText()).isEqualTo("Allow");
      for (String action : Synth.list(s.get("Action"))) {
        assertThat(action).doesNotContain("*").doesNotStartWith("secretsmanager:");
      }
      for (String r : Synth.list(s.get("Resource"))) {
        byResource.computeIfAbsent(r, k -> new ArrayList<>()).addAll(Synth.list(s.get("Action")));
        if (r.startsWith(lake() + "/")) {
          lakeObjects.add(r.substring(lake().length() + 1));
        } else if (r.startsWith(GLUE)) {
          glue.add(r.substring(GLUE.length()));
        }
      }
      // Listing the lake: only below the curated tables' folders.
      if (s.has("Condition") && Synth.list(s.get("Resource")).contains(lake())) {
        assertThat(Synth.list(s.at("/Condition/StringLike/s3:prefix")))
            .isNotEmpty()
            .allMatch(p -> CURATED.stream().anyMatch(c -> p.startsWith("curated/" + c)));
      }
    }
    assertThat(lakeObjects)
        .containsExactlyInAnyOrderElementsOf(
            CURATED.stream().map(c -> "curated/" + c + "/*").toList());
    List<String> expectedGlue = new ArrayList<>(List.of("catalog", "database/curated"));
    CURATED.forEach(c -> expectedGlue.add("table/curated/" + c));
    assertThat(glue).containsExactlyInAnyOrderElementsOf(expectedGlue);
    String lakeKey = "<" + Synth.idStartingWith(t, "AWS::KMS::Key", "LakeKey") + ".Arn>";
    assertThat(byResource.keySet())
        .containsExactlyInAnyOrder(
            concat(
                    List.of(
                        lake(),
                        artifacts(),
                        artifacts() + "/athena-results/*",
                        lakeKey,
                        "arn:<AWS::Partition>:athena:<AWS::Region>:<AWS::AccountId>:workgroup/dpf"),
                    CURATED.stream().map(c -> lake() + "/curated/" + c + "/*").toList(),
                    expectedGlue.stream().map(g -> GLUE + g).toList())
                .toArray(String[]::new));
    assertThat(byResource.get(lake()))
        .containsExactlyInAnyOrder("s3:ListBucket", "s3:GetBucketLocation");
    assertThat(byResource.get(lake() + "/curated/customer_360/*")).containsExactly("s3:GetObject");
    assertThat(String.join("\n", rendered(role)))
        .doesNotContain("transformed", "consolidated", "quarantine", "_system", "Raw", "PiiKey");
  }

  @Test
  void dataEngineersReadEveryZoneButNotAKeyFileInTheLake() {
    String role = roleDescribed("dpf data engineers");
    List<String> lakeObjects = new ArrayList<>();
    List<String> denied = new ArrayList<>();
    for (JsonNode s : Synth.statements(t, role)) {
      for (String action : Synth.list(s.get("Action"))) {
        assertThat(action).doesNotContain("*").doesNotStartWith("secretsmanager:");
      }
      for (String r : Synth.list(s.get("Resource"))) {
        if (r.startsWith(lake() + "/")) {
          assertThat(Synth.list(s.get("Action"))).containsExactly("s3:GetObject");
          (s.get("Effect").asText().equals("Deny") ? denied : lakeObjects)
              .add(r.substring(lake().length() + 1));
        }
      }
    }
    assertThat(lakeObjects)
        .containsExactlyInAnyOrder(
            "consolidated/*", "transformed/*", "curated/*", "quarantine/*", "_system/*");
    assertThat(denied).containsExactly("_system/pii.key");
  }

  @Test
  void thePiiKeyIsAGeneratedSecretUnderTheLakeKeyThatOnlyTheGlueJobsRead() {
    String secret = Synth.onlyId(t, "AWS::SecretsManager::Secret");
    String lakeKey = Synth.idStartingWith(t, "AWS::KMS::Key", "LakeKey");
    t.hasResourceProperties(
        "AWS::SecretsManager::Secret",
        Map.of(
            "KmsKeyId",
            getAtt(lakeKey, "Arn"),
            "GenerateSecretString",
            Map.of("PasswordLength", 64, "ExcludePunctuation", true),
            "SecretString",
            Match.absent()));
    t.allResourcesProperties(
        "AWS::Glue::Job", Map.of("DefaultArguments", Map.of(GlueJobs.PII_KEY_SECRET, ref(secret))));
    // Of every policy in the stack, only the Glue jobs' role's reads the secret.
    List<String> readers = new ArrayList<>();
    for (String type : List.of("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")) {
      t.findResources(type)
          .forEach(
              (id, p) -> {
                JsonNode policy = Synth.JSON.valueToTree(p);
                for (JsonNode s : policy.at("/Properties/PolicyDocument/Statement")) {
                  if (Synth.list(s.get("Resource")).contains("<" + secret + ">")) {
                    assertThat(Synth.list(s.get("Action")))
                        .containsExactlyInAnyOrder(
                            "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret");
                    policy.at("/Properties/Roles").forEach(r -> readers.add(Synth.render(r)));
                  }
                }
              });
    }
    Capture glueRole = new Capture();
    t.allResourcesProperties(
        "AWS::Glue::Job", Map.of("Role", Map.of("Fn::GetAtt", List.of(glueRole, "Arn"))));
    assertThat(readers).containsExactly("<" + glueRole.asString() + ">");
  }

  @Test
  void theRolesArnsAreOutputs() {
    t.hasOutput("AnalystRoleArn", Map.of("Value", getAtt(roleDescribed("dpf analysts"), "Arn")));
    t.hasOutput(
        "DataEngineerRoleArn", Map.of("Value", getAtt(roleDescribed("dpf data engineers"), "Arn")));
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    List<String> out = new ArrayList<>();
    for (List<String> l : lists) {
      out.addAll(l);
    }
    return out;
  }
}
