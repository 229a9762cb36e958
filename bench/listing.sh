#!/usr/bin/env bash
# LIST requests of the ingest listing against an S3 API server (S3Proxy on loopback, in memory), for a Firehose
# source with a long history: a full listing against one from a day before the newest hour folder.
#
#   bench/listing.sh [DAYS [OBJECTS_PER_HOUR]]     default 90 days of 4 objects an hour (8,640 objects)
#
# Uploads DAYS x 24 hour folders of OBJECTS_PER_HOUR small payment objects under streaming/payments/; then
# `dpf ingest` from s3a:// into an empty local lake (a full listing), one more hour of objects and an ingest
# (listed from a day before the newest hour), and an ingest with nothing new. Each line: the run line's
# listing (LIST requests as S3A counts them, first and continued pages, at most 1,000 keys a page as S3 returns),
# files read, and the source's in-run seconds.
# Needs jobs/target/test-servers/s3proxy.jar (the build copies it there: mvn -pl jobs generate-test-resources).
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
days="${1:-90}"
per_hour="${2:-4}"
dpf="$home/bin/dpf"
jar="$home/jobs/target/test-servers/s3proxy.jar"
[ -f "$jar" ] || { echo "$jar is missing: run mvn -pl jobs generate-test-resources" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-listing.XXXXXX")"
"$dpf" --version >/dev/null # builds the project if needed
classpath="$home/jobs/target/dpf-jobs-0.1.0-SNAPSHOT.jar:$(cat "$home/jobs/target/dpf.classpath")"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key=dpf-bench-access-key
secret=dpf-bench-secret-key
cat >"$work/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$key
s3proxy.credential=$secret
jclouds.provider=transient
PROPS
java -Xmx1g -jar "$jar" --properties "$work/s3proxy.properties" >"$work/s3proxy.log" 2>&1 &
proxy=$!
trap 'kill $proxy 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 60); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 1; done

# objects DIR FROM_HOUR HOURS: OBJECTS_PER_HOUR objects in each hour folder from hour FROM_HOUR (0: the first).
objects() {
  python3 - "$1" "$2" "$3" "$per_hour" <<'PY'
import datetime, json, os, sys
out, first, hours, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
start = datetime.datetime(2026, 1, 1)
for h in range(first, first + hours):
    t = start + datetime.timedelta(hours=h)
    folder = os.path.join(out, t.strftime("%Y/%m/%d/%H"))
    os.makedirs(folder, exist_ok=True)
    for o in range(per):
        name = "payments-1-" + t.strftime("%Y-%m-%d-%H") + "-%02d-00-%04d" % (o * 60 // per, h * per + o)
        event = {"payment_id": "p%d-%d" % (h, o), "payment_time": t.strftime("%Y-%m-%dT%H:00:00Z"),
                 "customer_id": str(100 + o), "payment_amount": "1.00"}
        with open(os.path.join(folder, name), "w") as f:
            f.write(json.dumps(event) + "\n")
PY
}

put() {
  java -cp "$classpath" "$home/bench/S3Put.java" "http://127.0.0.1:$port" "$key" "$secret" bench "$1" raw/streaming/payments
}

# ingest LABEL: one `dpf ingest` from the bucket; prints its payments line's listing, files and seconds.
ingest() {
  local out line
  out=$("$dpf" ingest --raw s3a://bench/raw --lake "$work/lake" \
    --conf spark.hadoop.fs.s3a.endpoint="http://127.0.0.1:$port" --conf spark.hadoop.fs.s3a.path.style.access=true \
    --conf spark.hadoop.fs.s3a.connection.ssl.enabled=false --conf spark.hadoop.fs.s3a.paging.maximum=1000 \
    --conf spark.hadoop.fs.s3a.access.key=$key \
    --conf spark.hadoop.fs.s3a.secret.key=$secret) || { echo "$out" >&2; exit 1; }
  line=$(echo "$out" | grep -E '^  ingest +consolidated.payments .*listed' | tail -1)
  printf '  %-22s %s\n' "$1" "$(echo "$line" | sed -E 's/^ +ingest +consolidated.payments +//')"
}

objects "$work/history" 0 $((days * 24))
echo "raw: $(put "$work/history") objects in $((days * 24)) hour folders"
ingest "empty lake"
objects "$work/next" $((days * 24)) 1
put "$work/next" >/dev/null
ingest "one more hour"
ingest "nothing new"
