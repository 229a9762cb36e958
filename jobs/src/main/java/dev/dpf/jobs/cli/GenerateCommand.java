package dev.dpf.jobs.cli;

import dev.dpf.core.DpfException;
import dev.dpf.jobs.generate.SampleGenerator;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dpf generate}: deterministic sample raw data. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Write deterministic sample raw data (customers, payment events, transactions).")
final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Folder to write the raw layout into.")
  Path out;

  @Option(
      names = "--scale",
      defaultValue = "1",
      description = "Multiplies every count (default: ${DEFAULT-VALUE}).")
  int scale;

  @Option(
      names = "--seed",
      defaultValue = "" + SampleGenerator.DEFAULT_SEED,
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--payments",
      paramLabel = "N",
      description =
          "Payment events to write (default: " + SampleGenerator.PAYMENTS + " per unit of scale).")
  Integer payments;

  @Option(
      names = "--firehose-buffer-mb",
      paramLabel = "MB",
      description =
          "Cut payment objects as Firehose's buffering does: up to MB MiB (1 to 128) or 900"
              + " seconds of arrivals each (default: about 40 events per object).")
  Integer bufferMb;

  @Option(
      names = "--dms-changes",
      paramLabel = "PERCENT",
      description =
          "Write only DMS change files instead: PERCENT %% of the customers and orders that the"
              + " same --scale and --seed load, updated (a tenth of them deleted), committed the"
              + " next day.")
  Integer dmsChanges;

  @Override
  public Integer call() {
    if (scale < 1) {
      throw new DpfException("--scale must be at least 1, got " + scale);
    }
    SampleGenerator generator = new SampleGenerator(scale, seed);
    if (payments != null) {
      if (payments < 1) {
        throw new DpfException("--payments must be at least 1, got " + payments);
      }
      generator = generator.withPayments(payments);
    }
    if (bufferMb != null) {
      if (bufferMb < 1 || bufferMb > 128) {
        throw new DpfException(
            "--firehose-buffer-mb must be between 1 and 128 (Firehose's range), got " + bufferMb);
      }
      generator = generator.withFirehoseBuffer(bufferMb * 1024L * 1024L);
    }
    if (dmsChanges != null) {
      if (dmsChanges < 1 || dmsChanges > 100) {
        throw new DpfException("--dms-changes must be between 1 and 100, got " + dmsChanges);
      }
      var changes = generator.dmsChanges(dmsChanges);
      SampleGenerator.write(out, changes);
      var w = spec.commandLine().getOut();
      w.printf(
          "wrote %d DMS change file(s) under %s (%d %% of scale %d, seed %d)%n",
          changes.size(), out, dmsChanges, scale, seed);
      w.flush();
      return 0;
    }
    List<String> files = generator.writeTo(out);
    var w = spec.commandLine().getOut();
    w.printf(
        "wrote %d file(s) under %s (scale %d, seed %d%s)%n",
        files.size(),
        out,
        scale,
        seed,
        payments == null ? "" : ", " + payments + " payment events");
    w.flush();
    return 0;
  }
}
