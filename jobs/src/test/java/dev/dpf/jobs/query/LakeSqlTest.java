package dev.dpf.jobs.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dpf.core.testing.SparkExtension;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Which dpf sql statements are writers of the lake (and take its lock) and which only read. */
class LakeSqlTest {
  private final SparkSession spark = SparkExtension.session();

  /** A runner for statements that only read: a statement taking the lock fails the test. */
  static LakeSql readOnly() {
    return new LakeSql(
        SparkExtension.session(),
        () -> {
          throw new AssertionError("a statement of this test took the lake's lock");
        });
  }

  @Test
  void queriesAndIntrospectionReadAndEveryKindOfWriteTakesTheLock() {
    List<String> reads =
        List.of(
            "select 1",
            "with x as (select 1 a) select * from x",
            "select * from curated.t where a in (select a from transformed.u)",
            "show tables in curated",
            "show databases",
            "describe curated.t",
            "describe detail curated.t",
            "describe history curated.t",
            "explain select 1",
            "use curated",
            "set spark.sql.shuffle.partitions=3",
            "create temporary view v as select 1",
            "cache table c as select 1",
            "select * from curated.t version as of 3");
    List<String> writes =
        List.of(
            "insert into curated.t values (1)",
            "insert overwrite curated.t select * from curated.t",
            "with x as (select 1 a) insert into curated.t select * from x",
            "delete from curated.t where a = 1",
            "update curated.t set a = 2",
            "merge into curated.t t using curated.u u on t.a = u.a when matched then delete",
            "create table curated.n (a int) using delta",
            "create table curated.n using delta as select 1 a",
            "drop table curated.t",
            "alter table curated.t add columns (b int)",
            "truncate table curated.t",
            "optimize curated.t",
            "vacuum curated.t",
            "restore table curated.t to version as of 1",
            "convert to delta parquet.`/x`",
            "create table curated.c shallow clone curated.t");

    List<String> misjudged = new ArrayList<>();
    reads.stream().filter(s -> !LakeSql.readsOnly(spark, s)).forEach(misjudged::add);
    writes.stream().filter(s -> LakeSql.readsOnly(spark, s)).forEach(misjudged::add);
    assertThat(misjudged).isEmpty();
  }

  @Test
  void aWritingStatementRunsUnderTheLockAndAReadingOneWithout() throws Exception {
    List<String> taken = new ArrayList<>();
    LakeSql sql =
        new LakeSql(
            spark,
            () -> {
              taken.add("taken");
              return () -> taken.add("released");
            });
    spark.sql("create or replace temporary view lake_sql_test_v as select 1 as a");

    assertThat(sql.sql("select count(*) from lake_sql_test_v").first().getLong(0)).isEqualTo(1);
    assertThat(taken).isEmpty();

    sql.sql("cache table lake_sql_test_c as select 2 as a");
    assertThat(taken).isEmpty();

    // A write refused by Spark still held (and released) the lock for its time.
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> sql.sql("insert into lake_sql_test_v values (2)"));
    assertThat(taken).containsExactly("taken", "released");
  }
}
