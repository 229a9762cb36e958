package dev.dpf.jobs.glue;

import dev.dpf.core.api.Stage;

/**
 * Entry point for spark-submit and AWS Glue 5.0 ({@code --class dev.dpf.jobs.glue.EraseJob}):
 * removes one data subject from the lake, as {@code dpf erase} does. Arguments: {@code --lake URI
 * --erase 'DATASET KEY=VALUE [KEY=VALUE...]' [--purge true] [--definition FILE] [--pii-key-secret
 * SECRET]}; Glue's own are ignored.
 */
public final class EraseJob {
  private EraseJob() {}

  public static void main(String[] args) {
    JobMain.main(Stage.ERASE, args);
  }
}
