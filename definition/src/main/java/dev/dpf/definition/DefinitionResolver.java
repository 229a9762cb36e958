package dev.dpf.definition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds the parsed sections to each other: the column order of a headerless CSV source from the
 * dataset that reads it, date and timestamp formats from the source, {@code references} rules to
 * existing dataset columns, and the datasets' order.
 */
final class DefinitionResolver {
  private final YamlNodes y;
  private final String file;

  DefinitionResolver(YamlNodes y, String file) {
    this.y = y;
    this.file = file;
  }

  /**
   * A source without a header row takes its column order from the definition: its own {@code
   * columns}, else the raw names of the dataset that reads it. Date and timestamp columns without a
   * format take the source's default format.
   */
  PipelineDefinition resolve(
      List<SourceDef> sources,
      List<DatasetDef> datasets,
      List<ModelDef> models,
      Map<String, TableDocs> docs,
      Maintenance maintenance) {
    List<SourceDef> outSources = new ArrayList<>();
    for (SourceDef declared : sources) {
      SourceDef s = declared;
      String sourceName = declared.name();
      if (s.format() == SourceDef.Format.CSV && !s.csv().header() && s.csv().columns().isEmpty()) {
        DatasetDef reader =
            datasets.stream()
                .filter(d -> d.source().equals(sourceName))
                .findFirst()
                .orElseThrow(
                    () ->
                        y.fail(
                            "sources." + sourceName + ".columns",
                            "missing. A source whose files have no header row needs its column"
                                + " order: list the raw column names in file order"));
        List<String> names = reader.columns().stream().map(ColumnDef::from).toList();
        SourceDef.Csv c = s.csv();
        s =
            new SourceDef(
                s.name(),
                s.kind(),
                s.path(),
                s.format(),
                new SourceDef.Csv(
                    false,
                    names,
                    c.delimiter(),
                    c.quote(),
                    c.escape(),
                    c.encoding(),
                    c.nullValue()),
                s.dms(),
                s.onError(),
                s.dateFormat(),
                s.timestampFormat());
      }
      outSources.add(s);
    }
    List<DatasetDef> outDatasets = new ArrayList<>();
    for (DatasetDef d : datasets) {
      SourceDef s = outSources.stream().filter(x -> x.name().equals(d.source())).findFirst().get();
      List<ColumnDef> columns = new ArrayList<>();
      for (ColumnDef c : d.columns()) {
        String fallback =
            switch (c.type().base()) {
              case DATE -> s.dateFormat();
              case TIMESTAMP -> s.timestampFormat();
              default -> null;
            };
        columns.add(c.format().isEmpty() && fallback != null ? c.withFormat(fallback) : c);
      }
      outDatasets.add(d.withColumns(columns));
    }
    return new PipelineDefinition(
        file, outSources, dependencyOrder(outDatasets), models, docs, maintenance);
  }

  /**
   * The datasets in definition order, except that a dataset comes after those its {@code
   * references} rules point to (they are checked against the referenced current state). Checks that
   * each reference names a dataset column.
   */
  private List<DatasetDef> dependencyOrder(List<DatasetDef> datasets) {
    Map<String, DatasetDef> byName = new LinkedHashMap<>();
    datasets.forEach(d -> byName.put(d.name(), d));
    for (DatasetDef d : datasets) {
      for (int i = 0; i < d.quality().size(); i++) {
        if (!(d.quality().get(i) instanceof QualityRule.References ref)) {
          continue;
        }
        String at = "datasets." + d.name() + ".quality[" + i + "].to";
        DatasetDef target = byName.get(ref.dataset());
        if (target == null) {
          throw y.fail(
              at,
              "unknown dataset '"
                  + ref.dataset()
                  + "'. Use one of the names under 'datasets': "
                  + String.join(", ", byName.keySet()));
        }
        if (target.columns().stream().noneMatch(c -> c.name().equals(ref.toColumn()))) {
          throw y.fail(
              at,
              "dataset '"
                  + ref.dataset()
                  + "' has no column '"
                  + ref.toColumn()
                  + "'. Fix the column name");
        }
      }
    }
    return TopoSort.order(
        datasets,
        d -> d.referencedDatasets().stream().map(byName::get).toList(),
        loop ->
            y.fail(
                "datasets." + loop.get(loop.size() - 1).name() + ".quality",
                "references rules form a cycle: "
                    + String.join(" -> ", loop.stream().map(DatasetDef::name).toList())
                    + ". Remove one of the references rules"));
  }
}
