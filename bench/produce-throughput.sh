#!/usr/bin/env bash
# Producer throughput: `dpf produce` against kinesalite on loopback (installed under .test-servers/ by bin/test),
# as fast as the stream takes the events (--rate 0), into a stream of SHARDS shards.
#
#   bench/produce-throughput.sh [COUNT] [SHARDS]     (default 100000 events, 4 shards)
#
# Reports the producer's own final line (records/s over the sending loop, without JVM start-up) and the
# process's wall time. kinesalite is a single Node.js process: it, not Kinesis, is the limit measured here.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-100000}"
shards="${2:-4}"
module="$home/.test-servers/node_modules/kinesalite"
[ -d "$module" ] || { echo "install kinesalite first: npm install --prefix .test-servers kinesalite@3.3.3" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-bench.XXXXXX")"
port=$(( 20000 + RANDOM % 20000 ))
node -e "require('$module')({createStreamMs: 0}).listen($port, '127.0.0.1')" >"$work/kinesalite.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done

# kinesalite checks that a request is signed, not the signature.
curl -sf -o /dev/null "http://127.0.0.1:$port/" -H 'Content-Type: application/x-amz-json-1.1' \
  -H 'X-Amz-Target: Kinesis_20131202.CreateStream' -H "X-Amz-Date: $(date -u +%Y%m%dT%H%M%SZ)" \
  -H "Authorization: AWS4-HMAC-SHA256 Credential=bench/$(date -u +%Y%m%d)/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0" \
  -d "{\"StreamName\":\"bench\",\"ShardCount\":$shards}"

start=$(date +%s%N)
AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench DPF_JAVA_OPTS="-Daws.cborEnabled=false" \
  "$home/bin/dpf" produce --stream bench --count "$count" --rate 0 --seed 1 \
  --endpoint "http://127.0.0.1:$port" --region us-east-1 | tail -1
echo "produce process wall time: $(( ($(date +%s%N) - start) / 1000000 )) ms ($count events, $shards shards)"
