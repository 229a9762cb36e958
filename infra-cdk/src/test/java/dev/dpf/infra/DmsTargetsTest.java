package dev.dpf.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dpf.definition.SourceDef;
import dev.dpf.definition.SourceKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class DmsTargetsTest {
  @Test
  void pathsNameFolderSchemaAndTableAndSharedSettingsShareATarget() {
    List<DmsTargets.Target> targets =
        DmsTargets.of(
            List.of(
                new SourceDef("customers", SourceKind.DMS, "dms/classicmodels/customers"),
                new SourceDef("payments", SourceKind.FIREHOSE_JSON, "streaming/payments"),
                new SourceDef("employees", SourceKind.DMS, "hr/employees"),
                new SourceDef("orders", SourceKind.DMS, "dms/classicmodels/orders")));
    assertThat(targets).hasSize(2);
    assertThat(targets.get(0).settings().bucketFolder()).isEqualTo("dms");
    assertThat(targets.get(0).tables())
        .containsExactly(
            new DmsTargets.Table("customers", "classicmodels", "customers"),
            new DmsTargets.Table("orders", "classicmodels", "orders"));
    assertThat(targets.get(1).settings().bucketFolder()).isEmpty();
    assertThat(targets.get(1).tables())
        .containsExactly(new DmsTargets.Table("employees", "hr", "employees"));
  }

  @Test
  void tableMappingsAreOneSelectionRulePerTable() {
    assertThat(
            DmsTargets.tableMappings(
                List.of(
                    new DmsTargets.Table("customers", "classicmodels", "customers"),
                    new DmsTargets.Table("lines", "classicmodels", "orderdetails"))))
        .isEqualTo(
            "{\"rules\":["
                + "{\"object-locator\":{\"schema-name\":\"classicmodels\",\"table-name\":\"customers\"},"
                + "\"rule-action\":\"include\",\"rule-id\":\"1\",\"rule-name\":\"dpf-source-customers\","
                + "\"rule-type\":\"selection\"},"
                + "{\"object-locator\":{\"schema-name\":\"classicmodels\",\"table-name\":\"orderdetails\"},"
                + "\"rule-action\":\"include\",\"rule-id\":\"2\",\"rule-name\":\"dpf-source-lines\","
                + "\"rule-type\":\"selection\"}]}");
  }

  @Test
  void aPathWithoutSchemaIsRefused() {
    assertThatThrownBy(
            () -> DmsTargets.of(List.of(new SourceDef("customers", SourceKind.DMS, "customers"))))
        .hasMessageContaining(
            "sources.customers.path: a DMS source's path is [bucket folder/]schema/table");
  }
}
