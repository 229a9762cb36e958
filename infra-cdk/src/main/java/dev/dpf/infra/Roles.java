package dev.dpf.infra;

import java.util.List;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.Role;

/** Permissions of the roles dpf defines itself. */
final class Roles {
  private Roles() {}

  /**
   * The role's own customer managed policy (a child of the role, so the role's nag suppressions
   * cover it). PCI DSS audits flag inline policies; a managed policy can also be reviewed and
   * versioned on its own.
   */
  static ManagedPolicy policyOf(Role role) {
    return ManagedPolicy.Builder.create(role, "Policy")
        .description("Permissions of " + role.getNode().getPath())
        .roles(List.of(role))
        .build();
  }

  /**
   * A Glue Data Catalog ARN of the stack's account and region: the {@code catalog} ({@code name}
   * null), a {@code database} or a {@code table} ({@code <database>/<table>}).
   */
  static String glueArn(Stack stack, String resource, String name) {
    ArnComponents.Builder b = ArnComponents.builder().service("glue").resource(resource);
    if (name != null) {
      b.resourceName(name).arnFormat(ArnFormat.SLASH_RESOURCE_NAME);
    } else {
      b.arnFormat(ArnFormat.NO_RESOURCE_NAME);
    }
    return stack.formatArn(b.build());
  }
}
