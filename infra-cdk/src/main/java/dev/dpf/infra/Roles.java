package dev.dpf.infra;

import java.util.List;
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
}
