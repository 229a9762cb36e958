package dev.dpf.jobs.extract;

import dev.dpf.core.DpfException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A table's columns and primary key, from the driver's metadata. */
record TableMeta(
    String schema, String table, List<String> columns, List<String> key, String splitColumn) {
  static TableMeta read(Connection db, String schema, String table) throws SQLException {
    DatabaseMetaData md = db.getMetaData();
    List<String> columns = new ArrayList<>();
    Map<String, Integer> types = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    try (ResultSet rs = md.getColumns(schema, null, table, null)) {
      while (rs.next()) {
        columns.add(rs.getString("COLUMN_NAME"));
        types.put(rs.getString("COLUMN_NAME"), rs.getInt("DATA_TYPE"));
      }
    }
    if (columns.isEmpty()) {
      List<String> there = new ArrayList<>();
      try (ResultSet rs = md.getTables(schema, null, "%", new String[] {"TABLE"})) {
        while (rs.next()) {
          there.add(rs.getString("TABLE_NAME"));
        }
      }
      throw new DpfException(
          "Table " + schema + "." + table + " does not exist (tables there: " + there + ")");
    }
    TreeMap<Integer, String> key = new TreeMap<>();
    try (ResultSet rs = md.getPrimaryKeys(schema, null, table)) {
      while (rs.next()) {
        key.put(rs.getInt("KEY_SEQ"), rs.getString("COLUMN_NAME"));
      }
    }
    List<String> keyColumns = new ArrayList<>(key.values());
    // Reads split on ranges of the first key column when it is an integer.
    String split = null;
    if (!keyColumns.isEmpty()) {
      int t = types.get(keyColumns.get(0));
      if (t == Types.INTEGER || t == Types.BIGINT || t == Types.SMALLINT || t == Types.TINYINT) {
        split = keyColumns.get(0);
      }
    }
    return new TableMeta(schema, table, columns, keyColumns, split);
  }

  String quoted() {
    return "`" + schema + "`.`" + table + "`";
  }
}
