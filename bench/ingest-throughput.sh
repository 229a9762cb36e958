#!/usr/bin/env bash
# Ingest throughput: generates the three sources at a larger scale, ingests them into an empty lake,
# and reports rows/s and MB/s per source from the lake's own run log and ingest log.
#
#   bench/ingest-throughput.sh [SCALE]     (default 200: 8,000 customers, 60,000 payment events in
#                                          1,500 Firehose objects, 40,000 partner transactions)
#
# Numbers include Spark's per-table overheads (Delta commits, log reads) but not JVM start-up.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scale="${1:-200}"
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$home/bin/dpf" generate --out "$work/raw" --scale "$scale" >/dev/null
echo "raw: $(find "$work/raw" -type f | wc -l) files, $(du -sh "$work/raw" | cut -f1) (scale $scale)"

start=$(date +%s%N)
"$home/bin/dpf" ingest --raw "$work/raw" --lake "$work/lake" | sed -n '/^Summary/,$p'
echo "ingest process wall time: $(( ($(date +%s%N) - start) / 1000000 )) ms"

"$home/bin/dpf" sql --lake "$work/lake" "
  select r.table_name, r.rows_read as rows, b.files, round(b.bytes / 1048576, 2) as mb,
         round(r.seconds, 1) as seconds,
         round(r.rows_read / r.seconds) as rows_per_s,
         round(b.bytes / 1048576 / r.seconds, 2) as mb_per_s
  from _system.runs r
  join (select source, count(*) as files, sum(size) as bytes
        from _system.ingest_files where state = 'committed' group by source) b
    on r.table_name = concat('consolidated.', b.source)
  where r.stage = 'ingest'
  order by r.table_name"
