#!/usr/bin/env bash
# Applying a small DMS change batch to a large table: Delta MERGE of the new rows (what the
# transform does) against rebuilding the table from every consolidated row (what it would do
# without the transform log).
#
#   bench/merge-vs-rewrite.sh [ROWS] [CHANGE_PERCENT]   (default 1000000 rows, 1 %)
#
# Steps, each a separate dpf process on a fresh lake:
#   1. a DMS full load of ROWS accounts, ingested and transformed (first run: a rebuild);
#   2. one CDC file with CHANGE_PERCENT % of ROWS as changes (80 % updates, 10 % inserts,
#      10 % deletes), ingested and transformed: the MERGE;
#   3. the transform log cleared and the transform run again: a rebuild of the same state.
# The transform seconds come from the lake's run log; both states are compared row for row.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows="${1:-1000000}"
pct="${2:-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
def="$home/bench/merge/pipeline.yaml"
dms="$work/raw/dms/bank/accounts"
mkdir -p "$dms/2026/11/18"

awk -v n="$rows" 'BEGIN {
  print "ts,account_id,holder,balance,branch,opened"
  for (i = 1; i <= n; i++)
    printf "2026-11-18 09:00:00.000000,%d,holder-%d,%d.%02d,B%03d,20%02d-%02d-%02d\n",
      i, i, (i * 7919) % 1000000, i % 100, i % 997, 10 + i % 15, 1 + i % 12, 1 + i % 28
}' > "$dms/LOAD00000001.csv"

changes=$(( rows * pct / 100 ))
awk -v n="$rows" -v c="$changes" 'BEGIN {
  srand(20261125)
  print "Op,ts,account_id,holder,balance,branch,opened"
  for (j = 1; j <= c; j++) {
    ts = sprintf("2026-11-18 10:%02d:%02d.%06d", int(j / 60000) % 60, int(j / 1000) % 60, j % 1000000)
    r = j % 10
    if (r == 0) { printf "I,%s,%d,holder-new-%d,%d.00,B001,2026-11-18\n", ts, n + j, j, j }
    else {
      id = 1 + int(rand() * n)
      if (r == 1) printf "D,%s,%d,,,,\n", ts, id
      else printf "U,%s,%d,holder-%d,%d.%02d,B%03d,2020-01-01\n", ts, id, id, j, j % 100, j % 997
    }
  }
}' > "$dms/2026/11/18/20261118-100000000.csv"
echo "raw: full load of $rows rows ($(du -h "$dms/LOAD00000001.csv" | cut -f1)), CDC batch of $changes changes"

dpf() { "$home/bin/dpf" "$@" --definition "$def" --lake "$work/lake"; }
mv "$dms/2026" "$work/cdc"
dpf ingest --raw "$work/raw" >/dev/null
dpf transform >/dev/null
mv "$work/cdc" "$dms/2026"
dpf ingest --raw "$work/raw" >/dev/null
dpf transform | grep 'transformed.accounts'
dpf sql --format csv "select count(*), sum(balance), sum(hash(account_id, holder, balance, branch, opened)) from transformed.accounts" | tail -1 > "$work/merged.txt"
dpf sql "delete from _system.transform_log where dataset = 'accounts'" >/dev/null
dpf transform | grep 'transformed.accounts'
dpf sql --format csv "select count(*), sum(balance), sum(hash(account_id, holder, balance, branch, opened)) from transformed.accounts" | tail -1 > "$work/rebuilt.txt"
echo "state after MERGE:   $(cat "$work/merged.txt")  (rows, sum of balances, checksum)"
echo "state after rebuild: $(cat "$work/rebuilt.txt")"
cmp -s "$work/merged.txt" "$work/rebuilt.txt" && echo "same state" || { echo "STATES DIFFER"; exit 1; }
dpf sql "
  select run_id, table_name, rows_read, rows_written, rows_superseded, round(seconds, 1) as seconds, note
  from _system.runs where stage = 'transform' order by logged_at"
