package dev.dpf.jobs.glue;

import dev.dpf.core.api.Stage;

/**
 * Entry point for spark-submit and AWS Glue 5.0 ({@code --class dev.dpf.jobs.glue.PipelineJob}):
 * runs all three stages. Arguments: {@code --raw URI --lake URI [--definition FILE]}; Glue's own
 * are ignored.
 */
public final class PipelineJob {
  private PipelineJob() {}

  public static void main(String[] args) {
    JobMain.main(Stage.RUN, args);
  }
}
