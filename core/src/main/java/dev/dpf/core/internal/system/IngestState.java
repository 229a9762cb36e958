package dev.dpf.core.internal.system;

import dev.dpf.core.api.RawRoot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/** What the log says about one source. */
public record IngestState(
    Set<IngestLog.FileId> ingested,
    Map<String, IngestLog.Delivery> latest,
    long lastBatch,
    Optional<IngestLog.Batch> pending) {
  /** Whether {@code f} was read by a committed batch. */
  public boolean ingested(RawRoot.RawFile f) {
    return ingested.contains(IngestLog.FileId.of(f));
  }

  /**
   * The latest committed delivery under {@code f}'s key that may have the same content (same size,
   * digest known): {@code f} is that delivery again if its digest is the same.
   */
  public Optional<IngestLog.Delivery> sameSizeAs(RawRoot.RawFile f) {
    IngestLog.Delivery d = latest.get(f.key());
    return d != null && d.size() == f.size() && d.sha256() != null
        ? Optional.of(d)
        : Optional.empty();
  }

  /** The state of a source the log has never seen. */
  public static final IngestState EMPTY = new IngestState(Set.of(), Map.of(), 0, Optional.empty());

  /**
   * The state the log's rows of one source say (columns as {@link IngestLog#states} selects them);
   * {@code raw} resolves a pending batch's files.
   */
  static IngestState of(List<Row> rows, RawRoot raw) {
    Set<IngestLog.FileId> ingested = new HashSet<>();
    Map<String, IngestLog.Delivery> latest = new HashMap<>();
    Set<Long> closed = new HashSet<>();
    Map<Long, List<Row>> planned = new TreeMap<>();
    long last = 0;
    // A committed re-ingest replaced the consolidated table: files read before it no longer count.
    long reset = 0;
    for (Row r : rows) {
      if (r.getString(2).equals("committed") && IngestLog.REINGEST.equals(r.getString(9))) {
        reset = Math.max(reset, r.getLong(1));
      }
    }
    for (Row r : rows) {
      long batch = r.getLong(1);
      last = Math.max(last, batch);
      switch (r.getString(2)) {
        case "committed" -> {
          if (batch < reset) {
            closed.add(batch);
            continue;
          }
          closed.add(batch);
          ingested.add(new IngestLog.FileId(r.getString(3), r.getLong(4), r.getLong(5)));
          latest.merge(
              r.getString(3),
              new IngestLog.Delivery(r.getLong(4), r.getString(8), batch),
              (a, b) -> a.batch() >= b.batch() ? a : b);
        }
        case "failed" -> closed.add(batch);
        default -> planned.computeIfAbsent(batch, b -> new ArrayList<>()).add(r);
      }
    }
    Optional<IngestLog.Batch> pending = Optional.empty();
    for (Map.Entry<Long, List<Row>> e : planned.entrySet()) {
      if (!closed.contains(e.getKey())) {
        List<Row> files = e.getValue();
        Row first = files.get(0);
        pending =
            Optional.of(
                new IngestLog.Batch(
                    e.getKey(),
                    first.getString(6),
                    first.getTimestamp(7).toInstant(),
                    files.stream()
                        .map(
                            r ->
                                new RawRoot.RawFile(
                                    r.getString(3),
                                    raw.uri(r.getString(3)),
                                    r.getLong(4),
                                    r.getLong(5)))
                        .sorted(java.util.Comparator.comparing(RawRoot.RawFile::key))
                        .toList(),
                    IngestLog.REINGEST.equals(first.getString(9))));
        break;
      }
    }
    return new IngestState(ingested, latest, last, pending);
  }
}
