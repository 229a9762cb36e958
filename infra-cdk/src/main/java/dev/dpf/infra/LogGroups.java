package dev.dpf.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/** CloudWatch log groups, encrypted with the stack's key and kept for a year. */
final class LogGroups {
  private LogGroups() {}

  /** Lets CloudWatch Logs of this account and region use {@code key} for its log groups. */
  static void allowLogs(Key key) {
    Stack stack = Stack.of(key);
    key.addToResourcePolicy(
        PolicyStatement.Builder.create()
            .principals(
                List.of(new ServicePrincipal("logs." + stack.getRegion() + ".amazonaws.com")))
            .actions(
                List.of(
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey"))
            .resources(List.of("*"))
            .conditions(
                Map.of(
                    "ArnLike",
                    Map.of(
                        "kms:EncryptionContext:aws:logs:arn",
                        "arn:"
                            + stack.getPartition()
                            + ":logs:"
                            + stack.getRegion()
                            + ":"
                            + stack.getAccount()
                            + ":log-group:*")))
            .build());
  }

  static LogGroup create(Construct scope, String id, IKey key, boolean dev) {
    return LogGroup.Builder.create(scope, id)
        .encryptionKey(key)
        .retention(RetentionDays.ONE_YEAR)
        .removalPolicy(dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN)
        .build();
  }
}
