#!/usr/bin/env bash
# The pipeline's speed, from one invocation (the project must be built: bin/dpf builds it on first use).
#
#   bench/pipeline.sh                              the checked-in sample only
#   bench/pipeline.sh SCALE                        and the generator's output at SCALE (1000: about 2.4 million rows)
#   bench/pipeline.sh SCALE PAYMENTS [BUFFER_MB]   with PAYMENTS payment events, cut as Firehose's buffering
#                                                  delivers them (objects of up to BUFFER_MB MiB or 900 s; default 128)
#
# Sample: a cold `bin/dpf run` into an empty lake (in-run seconds from its summary, and process wall time), a
# second run with nothing new, a bare `dpf sql "select 1"` process, and Spark's own copy of the same raw files
# into Delta (bench/SparkCopy.java: read and write, no logic) in one JVM with the same settings (the same
# class-data archive too).
# At SCALE: raw size and files; the copy limit; `dpf ingest` alone into an empty lake; the whole pipeline into
# another, with a 2 GB driver heap and its peak heap use (JFR); then 1 % new payment events and a run over them;
# then 1 % of the customers and orders changed by DMS and a run over that.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scale="${1:-}"
payments="${2:-}"
buffer_mb="${3:-128}"
dpf="$home/bin/dpf"
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$dpf" --version >/dev/null # builds the project if needed, outside the timings
# bin/dpf starts from a class-data archive that the first `dpf run` after a build writes; make it now, outside
# the timings, so that every timed process (and the copy) starts as a user's does after that first run.
classpath="$home/jobs/target/dpf-jobs-0.1.0-SNAPSHOT.jar:$(cat "$home/jobs/target/dpf.classpath")"
archive="$home/jobs/target/dpf.jsa"
if [ ! -f "$archive" ] || [ -n "$(find ${classpath//:/ } -newer "$archive" -print -quit)" ]; then
  start_archive=$(date +%s)
  "$dpf" run --lake "$work/archive-lake" >/dev/null 2>&1
  echo "class-data archive written by a first run ($(($(date +%s) - start_archive)) s, not timed below)"
fi
read -r -a add_opens <<<"$(sed -n 's:.*<spark.add-opens>\(.*\)</spark.add-opens>.*:\1:p' "$home/pom.xml")"
read -r -a folders <<<"$(awk '$1 == "path:" {printf "%s ", $2}' "$home/src/pipeline.yaml")"

now() { date +%s%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", (b - a) / 1e9}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# dpf COMMAND ARGS...: runs it; sets in_run (its summary's total seconds) and wall.
dpf_timed() {
  local start out
  start=$(now)
  out=$("$dpf" "$@") || { echo "  dpf $1 failed (exit $?); its output:" >&2; echo "$out" >&2; exit 1; }
  wall=$(since "$start")
  in_run=$(echo "$out" | awk '/^  total/ {print $NF}')
}

# copy RAW: Spark's own copy of the definition's source folders; sets copy_s (after session start).
copy() {
  local out
  out=$(java "${add_opens[@]}" -Xmx"${DPF_HEAP:-4g}" -XX:+UseParallelGC -Duser.timezone=UTC \
    -XX:SharedArchiveFile="$archive" -Xlog:cds=off -Xlog:cds+dynamic=off \
    -Dlog4j2.configurationFile=classpath:dpf-log4j2.properties \
    -cp "$classpath" "$home/bench/SparkCopy.java" "$1" "$work/copy" "${folders[@]}" 2>/dev/null)
  rm -rf "$work/copy"
  copy_s=$(echo "$out" | awk '/^copy total/ {print $(NF-1)}')
}

echo "sample ($(find "$home/sample-data" -type f | wc -l) files)"
dpf_timed run --lake "$work/sample-lake"
printf '  cold run            in-run %6.1f s   wall %6.1f s\n' "$in_run" "$wall"
cold_in_run=$in_run
dpf_timed run --lake "$work/sample-lake"
noop_wall=$wall
start=$(now)
"$dpf" sql --lake "$work/sample-lake" "select 1" >/dev/null
bare=$(since "$start")
printf '  no-op run           wall %6.1f s   bare "dpf sql select 1" %5.1f s   ratio %s\n' \
  "$noop_wall" "$bare" "$(ratio "$noop_wall" "$bare")"
copy "$home/sample-data"
printf '  Spark copy          %6.1f s        cold in-run / copy %s\n' "$copy_s" "$(ratio "$cold_in_run" "$copy_s")"

[ -n "$scale" ] || exit 0

echo "scale $scale"
shape=()
[ -z "$payments" ] || shape=(--payments "$payments" --firehose-buffer-mb "$buffer_mb")
"$dpf" generate --out "$work/raw" --scale "$scale" "${shape[@]}" >/dev/null
printf '  raw                 %s files, %s%s\n' "$(find "$work/raw" -type f | wc -l)" "$(du -sh "$work/raw" | cut -f1)" \
  "${payments:+ ($payments payment events in $(find "$work/raw/streaming" -type f | wc -l) Firehose objects of up to $buffer_mb MiB or 900 s)}"
copy "$work/raw"
printf '  Spark copy          %6.1f s\n' "$copy_s"
dpf_timed ingest --raw "$work/raw" --lake "$work/ingest-lake"
printf '  ingest only         in-run %6.1f s   copy / ingest %s (throughput ratio)\n' \
  "$in_run" "$(ratio "$copy_s" "$in_run")"
rm -rf "$work/ingest-lake"
# Peak heap: the most used before any collection, from the JVM's GC log.
DPF_HEAP=2g DPF_JAVA_OPTS="-Xlog:gc:file=$work/gc.log" dpf_timed run --raw "$work/raw" --lake "$work/lake"
full=$in_run
peak=$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$work/gc.log" | awk -F'M' '{if ($1 + 0 > m) m = $1 + 0} END {print m + 0}')
printf '  full pipeline       in-run %6.1f s   wall %6.1f s   pipeline / copy %s   peak heap %s MB (-Xmx2g)\n' \
  "$full" "$wall" "$(ratio "$full" "$copy_s")" "$peak"

# 1 % new payment events: the generator's events at SCALE/100 with another seed, as new Firehose objects.
more=()
[ -z "$payments" ] || more=(--payments "$((payments / 100))" --firehose-buffer-mb "$buffer_mb")
"$dpf" generate --out "$work/more" --scale "$(awk -v s="$scale" 'BEGIN {print (s / 100 < 1) ? 1 : s / 100}')" \
  --seed 7 "${more[@]}" >/dev/null
mkdir -p "$work/raw/streaming/payments/more"
cp -r "$work/more/streaming/payments/." "$work/raw/streaming/payments/more/"
dpf_timed run --raw "$work/raw" --lake "$work/lake"
printf '  1 %% new data run    in-run %6.1f s   wall %6.1f s   / full run %s\n' \
  "$in_run" "$wall" "$(ratio "$in_run" "$full")"
# 1 % of the DMS rows changed: every 100th customer and order of the full loads updated (a tenth of those deleted),
# as one CDC file each, committed the next day.
"$dpf" generate --out "$work/raw" --scale "$scale" --dms-changes 1 >/dev/null
dpf_timed run --raw "$work/raw" --lake "$work/lake"
printf '  1 %% DMS changes run  in-run %6.1f s   wall %6.1f s   / full run %s\n' \
  "$in_run" "$wall" "$(ratio "$in_run" "$full")"
