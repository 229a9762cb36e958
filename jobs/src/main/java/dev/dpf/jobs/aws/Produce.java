package dev.dpf.jobs.aws;

import dev.dpf.core.DpfException;
import dev.dpf.jobs.generate.SampleGenerator;
import dev.dpf.jobs.generate.SampleGenerator.PaymentEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** {@code dpf produce}: payment events to a Kinesis stream, or as Firehose objects to a folder. */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = {
      "Send payment events (the sample's shape) to a Kinesis data stream with PutRecords, the"
          + " customer id as partition key; throttled or failed records are retried with backoff.",
      "With --to-raw, write them as Firehose would deliver them instead, for local runs."
    })
public final class Produce implements Callable<Integer> {
  /** PutRecords takes at most this many records... */
  static final int MAX_RECORDS = 500;

  /** ...and at most this many bytes of data and partition keys. */
  static final long MAX_BYTES = 5L * 1024 * 1024;

  private static final long BACKOFF_BASE_MS = 50;
  private static final long BACKOFF_MAX_MS = 5_000;
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter OBJECT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin Aws.Options aws;

  @Option(
      names = "--stream",
      paramLabel = "NAME",
      description = "The Kinesis stream (the DataIngestion stack's PaymentsStreamName output).")
  String stream;

  @Option(
      names = "--to-raw",
      paramLabel = "DIR",
      description =
          "Write Firehose-format objects under DIR/YYYY/MM/DD/HH/ instead of sending, e.g."
              + " --to-raw sample-data/streaming/payments.")
  Path toRaw;

  @Option(
      names = "--count",
      defaultValue = "1000",
      description = "Events to send (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(
      names = "--rate",
      defaultValue = "100",
      description =
          "Events per second at most; 0 sends as fast as the stream takes them"
              + " (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(
      names = "--max-attempts",
      defaultValue = "10",
      description = "Attempts per record before it counts as failed (default: ${DEFAULT-VALUE}).")
  int maxAttempts;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the event ids and amounts (default: a new one each run).")
  Long seed;

  @Override
  public Integer call() throws InterruptedException {
    checkOptions();
    PrintWriter out = spec.commandLine().getOut();
    Supplier<PaymentEvent> events =
        new SampleGenerator(1, SampleGenerator.DEFAULT_SEED)
            .paymentEvents(
                seed != null ? seed : ThreadLocalRandom.current().nextLong(), Instant::now);
    Totals totals = new Totals();
    String target;
    Consumer<List<PaymentEvent>> sink;
    if (toRaw != null) {
      target = "folder " + toRaw;
      sink = batch -> writeObject(toRaw, batch, totals);
    } else {
      // Retries are this command's (below), so it re-sends only the rejected records and counts
      // them; the SDK would re-send whole requests on its own.
      KinesisClient client =
          Aws.client(
              KinesisClient.builder()
                  .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())),
              aws);
      target = "stream '" + stream + "'";
      checkStream(client);
      sink = batch -> put(client, batch, totals);
    }
    long start = System.nanoTime();
    send(events, sink, totals, out, start);
    long elapsed = System.nanoTime() - start;
    out.printf(
        "produce: %,d record(s) sent to %s in %.1f s (%s records/s), %,d failed, %,d retried%s%n",
        totals.sent,
        target,
        elapsed / 1e9,
        perSecond(totals.sent, elapsed),
        totals.failed,
        totals.retried,
        totals.errors.isEmpty() ? "" : " " + totals.errors);
    if (totals.lastClientError != null) {
      out.println("produce: the last request that failed in the client: " + totals.lastClientError);
    }
    out.flush();
    if (totals.failed > 0) {
      throw new DpfException(
          totals.failed
              + " record(s) were not accepted after "
              + maxAttempts
              + " attempts each and were not sent");
    }
    return 0;
  }

  private void checkOptions() {
    if (count < 1) {
      throw new DpfException("--count must be at least 1, got " + count);
    }
    if (rate < 0) {
      throw new DpfException("--rate must be 0 (no limit) or more, got " + rate);
    }
    if (maxAttempts < 1) {
      throw new DpfException("--max-attempts must be at least 1, got " + maxAttempts);
    }
    if ((stream == null) == (toRaw == null)) {
      throw new DpfException("Give either --stream NAME (Kinesis) or --to-raw DIR (files)");
    }
  }

  /**
   * Sends {@code count} events in batches, at {@code rate} a second if set, with a progress line
   * each second.
   */
  private void send(
      Supplier<PaymentEvent> events,
      Consumer<List<PaymentEvent>> sink,
      Totals totals,
      PrintWriter out,
      long start)
      throws InterruptedException {
    int perBatch = rate > 0 ? Math.min(MAX_RECORDS, rate) : MAX_RECORDS;
    long lastLine = start;
    int produced = 0;
    while (produced < count) {
      List<PaymentEvent> batch = new ArrayList<>();
      for (int i = Math.min(perBatch, count - produced); i > 0; i--) {
        batch.add(events.get());
      }
      sink.accept(batch);
      produced += batch.size();
      long now = System.nanoTime();
      if (now - lastLine >= 1_000_000_000L && produced < count) {
        out.printf(
            "produce: %,d/%,d sent, %,d failed, %,d retried, %s/s%n",
            totals.sent, count, totals.failed, totals.retried, perSecond(totals.sent, now - start));
        out.flush();
        lastLine = now;
      }
      if (rate > 0 && produced < count) {
        long due = start + produced * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      }
    }
  }

  private static String perSecond(long records, long nanos) {
    return nanos <= 0 ? "-" : String.format("%,.0f", records * 1e9 / nanos);
  }

  /** Running counts; {@code errors} counts each error code seen, retried or not. */
  static final class Totals {
    long sent;
    long failed;
    long retried;
    final Map<String, Integer> errors = new TreeMap<>();
    String lastClientError;

    void error(String code, int records) {
      errors.merge(code, records, Integer::sum);
    }
  }

  /**
   * Splits {@code items} into consecutive groups of at most {@code maxCount} items and {@code
   * maxBytes} total size, keeping their order.
   */
  static <T> List<List<T>> batches(
      List<T> items, int maxCount, long maxBytes, ToLongFunction<T> size) {
    List<List<T>> batches = new ArrayList<>();
    List<T> current = new ArrayList<>();
    long bytes = 0;
    for (T item : items) {
      long s = size.applyAsLong(item);
      if (s > maxBytes) {
        throw new DpfException("A record of " + s + " bytes exceeds the limit of " + maxBytes);
      }
      if (current.size() == maxCount || bytes + s > maxBytes) {
        batches.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(item);
      bytes += s;
    }
    if (!current.isEmpty()) {
      batches.add(current);
    }
    return batches;
  }

  private void checkStream(KinesisClient client) {
    try {
      StreamStatus status =
          client
              .describeStreamSummary(b -> b.streamName(stream))
              .streamDescriptionSummary()
              .streamStatus();
      if (status != StreamStatus.ACTIVE && status != StreamStatus.UPDATING) {
        throw new DpfException(
            "Kinesis stream '" + stream + "' is " + status + ", not ACTIVE: try again later");
      }
    } catch (ResourceNotFoundException e) {
      throw new DpfException(
          "Kinesis stream '"
              + stream
              + "' does not exist in "
              + where()
              + ". Check --stream and --region (the DataIngestion stack's output"
              + " PaymentsStreamName names it)",
          e);
    } catch (SdkException e) {
      throw new DpfException("Cannot reach Kinesis in " + where() + ": " + Aws.reason(e), e);
    }
  }

  private String where() {
    return aws.endpoint != null ? aws.endpoint : "region " + Aws.region(aws);
  }

  private void put(KinesisClient client, List<PaymentEvent> events, Totals totals) {
    List<PutRecordsRequestEntry> entries = new ArrayList<>();
    for (PaymentEvent e : events) {
      entries.add(
          PutRecordsRequestEntry.builder()
              .partitionKey(String.valueOf(e.customerId()))
              .data(SdkBytes.fromUtf8String(e.json()))
              .build());
    }
    for (List<PutRecordsRequestEntry> batch :
        batches(entries, MAX_RECORDS, MAX_BYTES, Produce::requestBytes)) {
      putWithRetries(client, batch, totals);
    }
  }

  private static long requestBytes(PutRecordsRequestEntry e) {
    return e.data().asByteArrayUnsafe().length
        + e.partitionKey().getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Sends {@code batch}; re-sends only the records the stream did not accept, with exponential
   * backoff and full jitter, up to {@code maxAttempts} times each.
   */
  private void putWithRetries(
      KinesisClient client, List<PutRecordsRequestEntry> batch, Totals totals) {
    List<PutRecordsRequestEntry> pending = batch;
    for (int attempt = 1; ; attempt++) {
      List<PutRecordsRequestEntry> rejected = new ArrayList<>();
      try {
        List<PutRecordsRequestEntry> sending = pending;
        PutRecordsResponse response = client.putRecords(b -> b.streamName(stream).records(sending));
        List<PutRecordsResultEntry> results = response.records();
        for (int i = 0; i < results.size(); i++) {
          if (results.get(i).errorCode() != null) {
            rejected.add(pending.get(i));
            totals.error(results.get(i).errorCode(), 1);
          }
        }
        totals.sent += pending.size() - rejected.size();
      } catch (AwsServiceException e) {
        if (!e.isThrottlingException() && e.statusCode() < 500) {
          throw new DpfException("Kinesis refused the records: " + Aws.reason(e), e);
        }
        rejected = pending;
        totals.error(e.awsErrorDetails().errorCode(), pending.size());
      } catch (SdkClientException e) {
        // The request may or may not have arrived: re-sending can duplicate (Kinesis and
        // Firehose are at-least-once; the lake de-duplicates on payment_id).
        rejected = pending;
        totals.error("ClientError", pending.size());
        totals.lastClientError = e.getMessage();
      }
      if (rejected.isEmpty()) {
        return;
      }
      if (attempt == maxAttempts) {
        totals.failed += rejected.size();
        return;
      }
      totals.retried += rejected.size();
      sleep(backoffMillis(attempt));
      pending = rejected;
    }
  }

  /** Full jitter: a random wait up to 50 ms * 2^(attempt-1), at most 5 s. */
  static long backoffMillis(int attempt) {
    long cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS << Math.min(attempt - 1, 20));
    return ThreadLocalRandom.current().nextLong(cap + 1);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DpfException("Interrupted while waiting to retry", e);
    }
  }

  /**
   * One Firehose object: the records, each followed by a newline (the delivery stream's
   * AppendDelimiterToRecord), under the arrival hour, named {@code
   * payments-1-yyyy-MM-dd-HH-mm-ss-<uuid>}. Written under a hidden name and then renamed, so a
   * concurrent ingest never sees half an object.
   */
  private static void writeObject(Path dir, List<PaymentEvent> batch, Totals totals) {
    Instant arrival = Instant.now();
    StringBuilder body = new StringBuilder();
    for (PaymentEvent e : batch) {
      body.append(e.json()).append('\n');
    }
    String name = "payments-1-" + OBJECT_TIME.format(arrival) + "-" + UUID.randomUUID();
    Path folder = dir.resolve(HOUR.format(arrival));
    try {
      Files.createDirectories(folder);
      Path partial = folder.resolve("." + name + ".partial");
      Files.writeString(partial, body, StandardCharsets.UTF_8);
      Files.move(partial, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new DpfException("Cannot write under " + folder + ": " + e, e);
    }
    totals.sent += batch.size();
  }
}
