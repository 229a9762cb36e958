#!/usr/bin/env bash
# What erasing one data subject costs at SCALE (the project must be built: bin/dpf builds it on first use).
#
#   bench/erase.sh [SCALE]     default: 10
#
# A first run over the generator's data at SCALE; the customer with the most payments is the subject. Printed: the
# seconds of `dpf erase --dry-run`, of `dpf erase` and of `dpf erase --purge` (each on its own copy of the lake), the
# rows removed; then the seconds of a run ingesting an hour's payment events (SCALE/100) into the erased lake and into
# a copy of the lake before the erasure: what withholding erased subjects at ingest costs.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scale="${1:-10}"
dpf="$home/bin/dpf"
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-erase.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$dpf" --version >/dev/null

seconds() { # seconds COMMAND...: runs it quietly, prints its wall time
  local start; start=$(date +%s%N)
  "$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; exit 1; }
  awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}'
}

"$dpf" generate --out "$work/raw" --scale "$scale" >/dev/null
"$dpf" run --raw "$work/raw" --lake "$work/lake" --no-report -q
subject=$("$dpf" sql --lake "$work/lake" --format json \
  "select customer_id from transformed.payments p where exists (select 1 from transformed.customers c
   where c.customer_id = p.customer_id) group by customer_id order by count(*) desc, customer_id limit 1" |
  sed -n 's/.*"customer_id":\([0-9]*\).*/\1/p')
payments=$("$dpf" sql --lake "$work/lake" --format json \
  "select count(*) n from transformed.payments where customer_id = $subject" | sed -n 's/.*"n":\([0-9]*\).*/\1/p')
echo "scale $scale: subject customers customer_id=$subject ($payments payments)"
for mode in dry-run erase purge; do
  cp -r "$work/lake" "$work/$mode"
  case "$mode" in
    dry-run) args=(--dry-run) ;;
    erase) args=() ;;
    purge) args=(--purge) ;;
  esac
  s=$(seconds "$dpf" erase --lake "$work/$mode" customers "customer_id=$subject" ${args[@]+"${args[@]}"})
  removed=$(sed -n 's/.*: \([0-9,]*\) row(s) removed from.*/\1/p; s/^\([0-9,]*\) row(s) would be removed/\1/p' "$work/out.txt")
  echo "dpf erase ${args[*]:-}: $s s, $removed row(s)"
done
rm -rf "$work/dry-run" "$work/purge"

hour_scale=$(awk -v s="$scale" 'BEGIN {print (s / 100 < 1) ? 1 : s / 100}')
"$dpf" generate --out "$work/hour" --scale "$hour_scale" --seed 4242 >/dev/null
mkdir -p "$work/raw/streaming/payments/hour"
cp -r "$work/hour/streaming/payments/." "$work/raw/streaming/payments/hour/"
plain=$(seconds "$dpf" run --raw "$work/raw" --lake "$work/lake" --no-report -q)
withheld=$(seconds "$dpf" run --raw "$work/raw" --lake "$work/erase" --no-report)
held=$(sed -n 's/.*consolidated.payments.*; \([0-9]*\) record(s) of erased subjects withheld.*/\1/p' "$work/out.txt")
echo "a run ingesting an hour of payments: $plain s without erasures, $withheld s with one (${held:-0} withheld)"
