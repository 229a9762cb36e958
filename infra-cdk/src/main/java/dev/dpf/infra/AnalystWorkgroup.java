package dev.dpf.infra;

import dev.dpf.definition.ModelDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.Zone;
import software.amazon.awscdk.services.athena.CfnNamedQuery;
import software.amazon.awscdk.services.athena.CfnWorkGroup;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * Where analysts query the curated zone with Athena: a workgroup (engine version 3, which reads
 * Delta tables) whose results are encrypted with the lake key in a location users cannot override,
 * with a per-query scan limit, and a named query per curated model.
 */
final class AnalystWorkgroup extends Construct {
  /** Scan limit per query: 10 GiB. */
  static final long BYTES_SCANNED_CUTOFF = 10L * 1024 * 1024 * 1024;

  AnalystWorkgroup(
      Construct scope,
      String id,
      DeployConfig config,
      PipelineDefinition def,
      IBucket results,
      IKey key,
      LakeCatalog catalog) {
    super(scope, id);
    CfnWorkGroup workGroup =
        CfnWorkGroup.Builder.create(this, "WorkGroup")
            .name(config.athenaWorkGroup())
            .description("dpf analysts: the curated zone")
            .state("ENABLED")
            .recursiveDeleteOption(config.devEnvironment())
            .workGroupConfiguration(
                CfnWorkGroup.WorkGroupConfigurationProperty.builder()
                    .enforceWorkGroupConfiguration(true)
                    .publishCloudWatchMetricsEnabled(true)
                    .bytesScannedCutoffPerQuery(BYTES_SCANNED_CUTOFF)
                    .engineVersion(
                        CfnWorkGroup.EngineVersionProperty.builder()
                            .selectedEngineVersion("Athena engine version 3")
                            .build())
                    .resultConfiguration(
                        CfnWorkGroup.ResultConfigurationProperty.builder()
                            .outputLocation(results.s3UrlForObject("athena-results/"))
                            .encryptionConfiguration(
                                CfnWorkGroup.EncryptionConfigurationProperty.builder()
                                    .encryptionOption("SSE_KMS")
                                    .kmsKey(key.getKeyArn())
                                    .build())
                            .build())
                    .build())
            .build();
    for (ModelDef m : def.models(Zone.CURATED)) {
      CfnNamedQuery q =
          CfnNamedQuery.Builder.create(this, Names.pascal(m.name()) + "Query")
              .name(m.table())
              .description("Rows of " + m.table() + ", made by " + m.file())
              .database(Zone.CURATED.dbName())
              .workGroup(workGroup.getRef())
              .queryString(
                  "SELECT * FROM \"" + Zone.CURATED.dbName() + "\".\"" + m.name() + "\" LIMIT 100;")
              .build();
      q.addResourceDependency(catalog.tables().get(m.table()));
    }
  }
}
