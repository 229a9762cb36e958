package dev.dpf.core.definition;

import java.util.List;
import java.util.Optional;

/**
 * The validated pipeline definition: what the lake contains. Loaded by {@link Definitions}.
 *
 * @param file where it was read from, for messages
 * @param sources raw sources in definition order
 * @param datasets transformed datasets in definition order
 * @param models SQL models in definition order
 */
public record PipelineDefinition(
    String file, List<SourceDef> sources, List<DatasetDef> datasets, List<ModelDef> models) {
  public PipelineDefinition {
    sources = List.copyOf(sources);
    datasets = List.copyOf(datasets);
    models = List.copyOf(models);
  }

  public Optional<SourceDef> source(String name) {
    return sources.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public List<ModelDef> models(Zone zone) {
    return models.stream().filter(m -> m.zone() == zone).toList();
  }
}
