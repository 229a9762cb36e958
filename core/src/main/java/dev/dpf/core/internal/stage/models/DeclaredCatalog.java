package dev.dpf.core.internal.stage.models;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableCatalog;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A Spark catalog of tables that have a schema and no data: the tables a definition declares, so
 * that models compile (and their PII lineage is traced) before any data exists. {@link #session}
 * gives a session of its own whose default catalog it is; its tables are added as their schemas
 * become known.
 */
// Public: Spark instantiates catalog plugins by reflection.
public final class DeclaredCatalog implements TableCatalog {
  private static final String NAME = "dpf_declared";
  private static final Map<String, Map<String, StructType>> TABLES = new ConcurrentHashMap<>();

  private String name;
  private Map<String, StructType> tables = Map.of();

  /** Spark makes the catalog by its no-argument constructor. */
  public DeclaredCatalog() {}

  /**
   * A new session sharing {@code spark}'s context whose tables {@code zone.table} are the entries
   * of {@code tables} (read when a query names them: entries added later are seen), and whose
   * temporary functions are its own.
   */
  public static SparkSession session(SparkSession spark, Map<String, StructType> tables) {
    String id = UUID.randomUUID().toString();
    TABLES.put(id, tables);
    SparkSession session = spark.newSession();
    session.conf().set("spark.sql.catalog." + NAME, DeclaredCatalog.class.getName());
    session.conf().set("spark.sql.catalog." + NAME + ".id", id);
    session.conf().set("spark.sql.defaultCatalog", NAME);
    return session;
  }

  /** Forgets the tables of a session made by {@link #session}. */
  public static void close(SparkSession session) {
    TABLES.remove(session.conf().get("spark.sql.catalog." + NAME + ".id", ""));
  }

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
    this.tables = TABLES.getOrDefault(options.get("id"), Map.of());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Identifier[] listTables(String[] namespace) {
    return tables.keySet().stream()
        .map(t -> t.split("\\.", 2))
        .filter(p -> namespace.length == 1 && p[0].equals(namespace[0]))
        .map(p -> Identifier.of(new String[] {p[0]}, p[1]))
        .toArray(Identifier[]::new);
  }

  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    String[] ns = ident.namespace();
    String table = (ns.length == 1 ? ns[0] + "." : "") + ident.name();
    StructType schema = tables.get(table.toLowerCase(java.util.Locale.ROOT));
    if (ns.length != 1 || schema == null) {
      throw new NoSuchTableException(ident);
    }
    return new Declared(table, schema);
  }

  @Override
  public Table createTable(
      Identifier ident, StructType schema, Transform[] partitions, Map<String, String> properties) {
    throw new UnsupportedOperationException("declared tables are read-only");
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) {
    throw new UnsupportedOperationException("declared tables are read-only");
  }

  @Override
  public boolean dropTable(Identifier ident) {
    return false;
  }

  @Override
  public void renameTable(Identifier from, Identifier to) {
    throw new UnsupportedOperationException("declared tables are read-only");
  }

  /** A table's name and schema. */
  private record Declared(String name, StructType schema) implements Table {
    @Override
    public Set<TableCapability> capabilities() {
      return Set.of(TableCapability.BATCH_READ);
    }
  }
}
