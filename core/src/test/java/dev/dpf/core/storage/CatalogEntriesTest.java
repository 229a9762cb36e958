package dev.dpf.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import dev.dpf.definition.TableName;
import dev.dpf.definition.Zone;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a session names a lake's tables, with dpf's catalog and without it. */
class CatalogEntriesTest {
  @TempDir Path dir;

  @Test
  void withDpfsCatalogNamesResolveFromTheFoldersAndNothingIsEntered() {
    SparkSession spark = SparkExtension.session();
    Lake lake = new Lake(spark, dir.resolve("lake").toString());
    spark.range(3).write().format("delta").save(lake.path(TableName.of("transformed.folder_only")));

    lake.register(TableName.of("transformed.folder_only"));

    assertThat(spark.sql("select count(*) from transformed.folder_only").first().getLong(0))
        .isEqualTo(3);
    assertThat(lake.mirrored(Zone.TRANSFORMED))
        .doesNotContain(TableName.of("transformed.folder_only"));
  }

  @Test
  void aCallersSessionWithDeltasOwnCatalogGetsAnEntryPerRegisteredTable() {
    SparkSession own = SparkExtension.session().newSession();
    own.conf()
        .set("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    Lake lake = new Lake(own, dir.resolve("lake").toString());
    own.range(4).write().format("delta").save(lake.path(TableName.of("curated.entered")));

    lake.register(TableName.of("curated.entered"));

    assertThat(own.sql("select count(*) from curated.entered").first().getLong(0)).isEqualTo(4);
    assertThat(lake.mirrored(Zone.CURATED)).contains(TableName.of("curated.entered"));
    lake.unmirror(TableName.of("curated.entered"));
  }
}
