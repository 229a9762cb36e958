#!/usr/bin/env bash
# The whole pipeline on the checked-in sample: a first run into an empty lake, then a run with nothing new.
# Reports each run's in-run seconds (the summary's total) and process wall time; the project must be built
# (bin/dpf builds it on first use, so run it once before timing).
#
#   bench/pipeline-sample.sh [RUNS]     (default 1 pair of runs)
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

run() { # label, lake
  local start out
  start=$(date +%s%N)
  out=$("$home/bin/dpf" run --lake "$2")
  printf '%-8s in-run %6ss  wall %6.1fs\n' "$1" \
    "$(echo "$out" | awk '/^  total/ {print $(NF)}')" \
    "$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN {print (b - a) / 1e9}')"
}

for i in $(seq 1 "$runs"); do
  rm -rf "$work/lake"
  run "first" "$work/lake"
  run "no-op" "$work/lake"
done
