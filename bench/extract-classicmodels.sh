#!/usr/bin/env bash
# Extract time: `dpf extract` of the blueprint's classicmodels database (../shared/seed-data/classicmodels.sql,
# 8 tables, 3,864 rows) from a private MariaDB server on loopback: the full load, then a re-run without changes.
#
#   bench/extract-classicmodels.sh
#
# Needs the MariaDB server package (apt-get install mariadb-server; bin/test installs it).
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sql="$home/../shared/seed-data/classicmodels.sql"
[ -f "$sql" ] || { echo "missing $sql" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/dpf-bench.XXXXXX")"
port=$(( 20000 + RANDOM % 20000 ))
user="$(id -un)"
mariadb-install-db --no-defaults --datadir="$work/data" --user="$user" \
  --auth-root-authentication-method=normal --skip-test-db >"$work/install.log" 2>&1
"$(command -v mariadbd || echo /usr/sbin/mariadbd)" --no-defaults --datadir="$work/data" \
  --socket="$work/sock" --port="$port" --bind-address=127.0.0.1 --user="$user" \
  --pid-file="$work/pid" >"$work/mariadb.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
mariadb --no-defaults --socket="$work/sock" -uroot < "$sql"
mariadb --no-defaults --socket="$work/sock" -uroot \
  -e "CREATE USER 'bench'@'127.0.0.1'; GRANT SELECT ON classicmodels.* TO 'bench'@'127.0.0.1';"

tables=customers,employees,offices,orderdetails,orders,payments,productlines,products
for run in "full load" "re-run, no changes"; do
  start=$(date +%s%N)
  "$home/bin/dpf" extract --jdbc "jdbc:mariadb://127.0.0.1:$port/classicmodels" --user bench \
    --tables "$tables" --out "$work/raw" | tail -1
  echo "$run: process wall time $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
