package dev.dpf.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeployConfigTest {
  private static final Path INFRA = Path.of("/repo/infra-cdk");

  private static DeployConfig config(Map<String, Object> context) {
    return DeployConfig.from(context::get, INFRA);
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    DeployConfig c = config(Map.of("onPremCidr", "10.20.0.0/16", "mysqlSecret", "dpf/mysql"));
    assertThat(c.devEnvironment()).isFalse();
    assertThat(c.mysqlSecretIsName()).isTrue();
    assertThat(c.mysqlSslMode()).isEqualTo("require");
    assertThat(c.mysqlPort()).isEqualTo(3306);
    assertThat(c.vpc()).isEmpty();
    assertThat(c.createDmsAccountRoles()).isFalse();
    assertThat(c.pipelineSchedule()).isEqualTo("cron(0 2 * * ? *)");
    assertThat(c.flatFileSchedule()).isEqualTo("rate(1 hour)");
    assertThat(c.glueWorkerType()).isEqualTo("G.1X");
    assertThat(c.glueWorkers()).isEqualTo(2);
    assertThat(c.firehoseGzip()).isTrue();
    assertThat(c.definition()).isEqualTo(Path.of("/repo/src/pipeline.yaml"));
    assertThat(c.glueArtifacts()).isEqualTo(Path.of("/repo/infra-cdk/target/glue"));
  }

  @Test
  void missingRequiredContextNamesEveryKeyWithAnExample() {
    assertThatThrownBy(() -> config(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot synthesize the dpf stacks:\n"
                + "  context 'onPremCidr' is required, for example -c onPremCidr=10.20.0.0/16\n"
                + "  context 'mysqlSecret' is required, for example -c mysqlSecret=dpf/mysql (a"
                + " secret name) or its ARN");
  }

  @Test
  void theWorldIsNotAnOnPremisesNetwork() {
    for (String cidr : new String[] {"0.0.0.0/0", "10.0.0.0/4", "10.0.0.300/16", "10.0.0.0"}) {
      Map<String, Object> ctx = new HashMap<>(Map.of("mysqlSecret", "dpf/mysql"));
      ctx.put("onPremCidr", cidr);
      assertThatThrownBy(() -> config(ctx))
          .hasMessageContaining(
              "context 'onPremCidr': " + cidr + " is not an IPv4 CIDR narrower than /8");
    }
  }

  @Test
  void badValuesAreReportedTogether() {
    Map<String, Object> ctx =
        Map.of(
            "onPremCidr", "10.20.0.0/16",
            "mysqlSecret", "dpf/mysql",
            "glueWorkerType", "G.3X",
            "glueWorkers", "1",
            "mysqlSslMode", "maybe",
            "dmsMultiAz", "yes",
            "vpcId", "vpc-0a1b2c3d4e5f60718");
    assertThatThrownBy(() -> config(ctx))
        .hasMessageContaining("context 'glueWorkerType': G.3X is not one of")
        .hasMessageContaining("context 'glueWorkers': 1 is outside 2..299")
        .hasMessageContaining("context 'mysqlSslMode': maybe is not one of [require, none]")
        .hasMessageContaining("context 'dmsMultiAz': yes is not true or false")
        .hasMessageContaining("context 'subnetIds': an existing VPC needs at least two");
  }

  @Test
  void devEnvironmentAndAnArnSecret() {
    DeployConfig c =
        config(
            Map.of(
                "env", "DEV",
                "onPremCidr", "192.168.0.0/24",
                "mysqlSecret", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:dpf-AbCdEf"));
    assertThat(c.devEnvironment()).isTrue();
    assertThat(c.mysqlSecretIsName()).isFalse();
  }
}
