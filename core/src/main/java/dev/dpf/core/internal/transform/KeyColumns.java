package dev.dpf.core.internal.transform;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.dpf.definition.ColumnDef;
import dev.dpf.definition.DatasetDef;
import dev.dpf.definition.PipelineDefinition;
import dev.dpf.definition.QualityRule;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;

/**
 * A dataset's typed values as each of its tables holds them: the transformed table and its history
 * by column name; the consolidated table as raw text, parsed as the transform parses it; a
 * quarantined record as the JSON of its consolidated row. With these, one condition finds a data
 * subject's rows in all of them.
 */
public final class KeyColumns {
  /** Where a dataset's values are read from. */
  public enum Kind {
    /** The transformed table and its history: typed columns by their names. */
    TYPED,
    /** The consolidated table: raw text by the field the column is read from. */
    RAW,
    /** Quarantine's records: the JSON of the consolidated row, in column {@code record}. */
    QUARANTINED
  }

  private KeyColumns() {}

  /**
   * The typed value of {@code c} as a table of {@code kind} holds it; {@code rawColumns} are the
   * consolidated table's columns (a field it has none of reads as null).
   */
  public static Column value(ColumnDef c, Kind kind, List<String> rawColumns) {
    if (kind == Kind.TYPED) {
      return col(Conform.quote(c.name()));
    }
    Optional<String> raw = rawColumn(c, rawColumns);
    if (raw.isEmpty()) {
      return lit(null);
    }
    String text =
        kind == Kind.RAW
            ? "CAST(" + Conform.quote(raw.get()) + " AS STRING)"
            : "get_json_object(`record`, " + Conform.literal("$['" + raw.get() + "']") + ")";
    return Conform.parseText(c, text);
  }

  /** The consolidated column a declared column is read from, matched as the transform does. */
  public static Optional<String> rawColumn(ColumnDef c, List<String> rawColumns) {
    String folded = Columns.folded(c.from());
    return rawColumns.stream().filter(r -> Columns.folded(r).equals(folded)).findFirst();
  }

  /** The dataset's key columns as {@link #value} reads them. */
  public static List<Column> key(DatasetDef d, Kind kind, List<String> rawColumns) {
    return d.key().stream().map(k -> value(column(d, k), kind, rawColumns)).toList();
  }

  public static ColumnDef column(DatasetDef d, String name) {
    return d.columns().stream()
        .filter(c -> c.name().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("dataset " + d.name() + " has no column " + name));
  }

  /**
   * Whether a row's values ({@code typed}, in key order) are one of {@code keys}; false for none.
   */
  public static Column oneOf(List<Column> typed, Collection<List<Object>> keys) {
    if (keys.isEmpty()) {
      return lit(false);
    }
    if (typed.size() == 1) {
      return typed.get(0).isin(keys.stream().map(k -> k.get(0)).toArray());
    }
    Column any = lit(false);
    for (List<Object> k : keys) {
      Column all = lit(true);
      for (int i = 0; i < typed.size(); i++) {
        all = all.and(typed.get(i).equalTo(lit(k.get(i))));
      }
      any = any.or(all);
    }
    return any;
  }

  /**
   * The {@code references} rules of {@code d} that can be followed: to a column of another
   * dataset's key that is that dataset's whole key.
   */
  public static List<QualityRule.References> references(
      PipelineDefinition definition, DatasetDef d) {
    List<QualityRule.References> out = new ArrayList<>();
    for (QualityRule r : d.quality()) {
      if (r instanceof QualityRule.References ref
          && definition.datasets().stream()
              .anyMatch(
                  t -> t.name().equals(ref.dataset()) && t.key().equals(List.of(ref.toColumn())))) {
        out.add(ref);
      }
    }
    return out;
  }
}
