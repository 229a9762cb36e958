package dev.dpf.jobs.run;

/** The process exit codes of the CLI and the job mains. */
public final class Exit {
  /** A failure the user can fix (bad definition, missing input, bad query). */
  public static final int USER_ERROR = 1;

  /** An unexpected failure. */
  public static final int INTERNAL_ERROR = 3;

  private Exit() {}
}
