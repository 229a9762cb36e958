package dev.dpf.jobs.glue;

import dev.dpf.core.api.Stage;

/**
 * Entry point for spark-submit and AWS Glue 5.0 ({@code --class dev.dpf.jobs.glue.TransformJob}):
 * runs the transform stage. Arguments: {@code --raw URI --lake URI [--definition FILE]}; Glue's own
 * are ignored.
 */
public final class TransformJob {
  private TransformJob() {}

  public static void main(String[] args) {
    JobMain.main(Stage.TRANSFORM, args);
  }
}
