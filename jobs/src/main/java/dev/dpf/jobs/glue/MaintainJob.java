package dev.dpf.jobs.glue;

import dev.dpf.core.api.Stage;

/**
 * Entry point for spark-submit and AWS Glue 5.0 ({@code --class dev.dpf.jobs.glue.MaintainJob}):
 * compacts the lake's tables and removes the files no kept run needs, as the definition's {@code
 * maintenance} says. Arguments: {@code --lake URI [--definition FILE]}; Glue's own are ignored.
 */
public final class MaintainJob {
  private MaintainJob() {}

  public static void main(String[] args) {
    JobMain.main(Stage.MAINTAIN, args);
  }
}
