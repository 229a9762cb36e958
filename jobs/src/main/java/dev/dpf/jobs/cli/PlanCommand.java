package dev.dpf.jobs.cli;

import picocli.CommandLine.Command;

/** {@code dpf plan}: what a run would do. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "What dpf run would do with each table, and why (new raw files, ingest batches to merge,"
          + " partitions or keys to recompute, a rebuild and its reason, up-to-date), without"
          + " doing it: nothing is written, the lake is not locked.",
      "The same as dpf run --dry-run; takes run's options."
    })
final class PlanCommand extends RunCommand {
  @Override
  boolean dryRun() {
    return true;
  }
}
