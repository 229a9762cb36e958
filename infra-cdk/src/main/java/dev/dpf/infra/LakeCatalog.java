package dev.dpf.infra;

import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.TableDocs;
import dev.dpf.definition.Zone;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.glue.CfnDatabase;
import software.amazon.awscdk.services.glue.CfnTable;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * The Glue Data Catalog side of the lake: a database per zone (named like the zone, as the jobs'
 * SQL names them) and a Delta table entry for every table the definition makes, readable by Athena
 * ({@code table_type=DELTA}: schema from the Delta log) and by Spark on Glue ({@code
 * spark.sql.sources.provider=delta} with the {@code path} Spark reads the location from). Tables of
 * the quarantine and system zones are the pipeline's own and are registered by the jobs.
 */
final class LakeCatalog extends Construct {

  private final Map<String, CfnTable> tables = new LinkedHashMap<>();

  LakeCatalog(Construct scope, String id, PipelineDefinition def, IBucket lake) {
    super(scope, id);
    String catalogId = Stack.of(this).getAccount();
    Map<Zone, CfnDatabase> databases = new LinkedHashMap<>();
    for (Zone zone : Zone.values()) {
      databases.put(
          zone,
          CfnDatabase.Builder.create(this, Names.pascal(zone.dbName()) + "Database")
              .catalogId(catalogId)
              .databaseInput(
                  CfnDatabase.DatabaseInputProperty.builder()
                      .name(zone.dbName())
                      .description("dpf " + zone.dbName() + " zone")
                      .locationUri(lake.s3UrlForObject(zone.dbName() + "/"))
                      .build())
              .build());
    }
    for (PipelineDefinition.Table t : def.tables()) {
      CfnTable table = table(catalogId, def, lake, t);
      table.addResourceDependency(databases.get(t.zone()));
      tables.put(t.qualified(), table);
    }
  }

  /** The catalog entry of a table of the definition: an external Delta table at its folder. */
  private CfnTable table(
      String catalogId, PipelineDefinition def, IBucket lake, PipelineDefinition.Table t) {
    String location = lake.s3UrlForObject(t.zone().dbName() + "/" + t.name());
    TableDocs docs = def.docs(t.qualified());
    Map<String, String> parameters =
        new TreeMap<>(
            Map.of(
                "EXTERNAL", "TRUE",
                "table_type", "DELTA",
                "spark.sql.sources.provider", "delta"));
    if (!docs.tags().isEmpty()) {
      parameters.put("dpf.tags", String.join(",", docs.tags()));
    }
    String made = "dpf " + t.qualified() + ", made by " + t.madeBy();
    return CfnTable.Builder.create(this, Names.pascal(t.zone().dbName() + "_" + t.name()))
        .catalogId(catalogId)
        .databaseName(t.zone().dbName())
        .tableInput(
            CfnTable.TableInputProperty.builder()
                .name(t.name())
                .description(
                    docs.description().isEmpty() ? made : docs.description() + " (" + made + ")")
                .owner(docs.owner().isEmpty() ? null : docs.owner())
                .tableType("EXTERNAL_TABLE")
                .parameters(parameters)
                .storageDescriptor(
                    CfnTable.StorageDescriptorProperty.builder()
                        .location(location)
                        .inputFormat("org.apache.hadoop.mapred.SequenceFileInputFormat")
                        .outputFormat("org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat")
                        .serdeInfo(
                            CfnTable.SerdeInfoProperty.builder()
                                .serializationLibrary(
                                    "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe")
                                .parameters(new TreeMap<>(Map.of("path", location)))
                                .build())
                        .build())
                .build())
        .build();
  }

  Map<String, CfnTable> tables() {
    return tables;
  }
}
