#!/usr/bin/env bash
# Storage on disk after RUNS hourly-sized runs at SCALE, without and with `dpf maintain` (the project must be built:
# bin/dpf builds it on first use).
#
#   bench/storage.sh [SCALE [RUNS [KEEP_RUNS]]]     defaults: 100, 20, 3
#
# A first run over the generator's data at SCALE, then RUNS runs each adding the generator's payment events at
# SCALE/100 (its own seed each) as new Firehose objects: an hour's worth. The definition is the repository's, with
# `maintenance: {keep_runs: KEEP_RUNS, keep_days: 0}` so that the runs kept are the last KEEP_RUNS. Then the lake is
# copied and `dpf maintain` runs on the copy. Printed: data files and bytes on disk (Delta logs aside) of every table,
# for the lake without maintenance and after it, with each table's latest version's files from the maintenance's
# lines, and the seconds maintenance took.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scale="${1:-100}"
runs="${2:-20}"
keep="${3:-3}"
dpf="$home/bin/dpf"
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-storage.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$dpf" --version >/dev/null
cp -r "$home/src" "$work/def"
printf '\nmaintenance: {keep_runs: %d, keep_days: 0}\n' "$keep" >>"$work/def/pipeline.yaml"

# data_on_disk LAKE: "files bytes" of every file under the lake's zones but Delta logs, checksums and the report.
data_on_disk() {
  find "$1" -type f ! -path '*/_delta_log/*' ! -name '*.crc' ! -path '*/_system/report/*' \
    ! -path '*/_system/validated/*' ! -name 'lake.lock' ! -name 'pii.key' -printf '%s\n' |
    awk '{n++; b += $1} END {printf "%d %d", n, b}'
}

"$dpf" generate --out "$work/raw" --scale "$scale" >/dev/null
"$dpf" run --raw "$work/raw" --lake "$work/lake" --definition "$work/def/pipeline.yaml" --no-report -q
read -r files bytes <<<"$(data_on_disk "$work/lake")"
echo "after the first run at scale $scale: $files data files, $bytes bytes"
hour_scale=$(awk -v s="$scale" 'BEGIN {print (s / 100 < 1) ? 1 : s / 100}')
for i in $(seq 1 "$runs"); do
  "$dpf" generate --out "$work/hour" --scale "$hour_scale" --seed "$((1000 + i))" >/dev/null
  mkdir -p "$work/raw/streaming/payments/hour$i"
  cp -r "$work/hour/streaming/payments/." "$work/raw/streaming/payments/hour$i/"
  rm -rf "$work/hour"
  "$dpf" run --raw "$work/raw" --lake "$work/lake" --definition "$work/def/pipeline.yaml" --no-report -q
done
read -r files bytes <<<"$(data_on_disk "$work/lake")"
echo "after $runs hourly-sized runs, no maintenance:    $files data files, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}') MiB"
cp -r "$work/lake" "$work/maintained"
start=$(date +%s%N)
out=$("$dpf" maintain --lake "$work/maintained" --definition "$work/def/pipeline.yaml")
seconds=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
current=$(echo "$out" | sed -n 's/.*for a current version of \([0-9]*\) file(s).*/\1/p' | awk '{n += $1} END {print n}')
read -r files bytes <<<"$(data_on_disk "$work/maintained")"
echo "after dpf maintain (last $keep runs kept):       $files data files, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}') MiB; the latest versions read $current files; maintain took $seconds s"
