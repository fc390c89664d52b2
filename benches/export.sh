#!/usr/bin/env bash
# Benchmark (not a test): the general-ledger export over HTTP against PostgreSQL's own
# `COPY (<the same query>) TO STDOUT WITH CSV`, in the same run, on 1,000,000 postings.
# Prints each run's seconds, the throughput ratio (COPY time / HTTP time; 1.0 = as fast
# as COPY) and the server's peak resident memory (VmHWM) after the exports.
#
#   benches/export.sh [POSTINGS]     # default 1000000; needs PostgreSQL at 127.0.0.1:5432
#
# It builds the release binary, loads a database `gt_bench` (dropped first) with receipts
# booked straight into the journal (triggers off while loading, then the balance rows set
# from the postings), serves it on a free port, and downloads the export three times.
set -euo pipefail
cd "$(dirname "$0")/.."
POSTINGS="${1:-1000000}"
ENTRIES=$((POSTINGS / 2))
SERVER="postgres://postgres@127.0.0.1:5432"
DB="gt_bench"
export DATABASE_URL="$SERVER/$DB" RUST_LOG=warn

cargo build --release -q
BIN=target/release/grant-tracker
psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
$BIN migrate > /dev/null
echo "bench-pass-123456" | $BIN user add --email bench@example.org --name "Bench" --role accountant --password-stdin > /dev/null

echo "loading $ENTRIES entries ($POSTINGS postings)…"
start=$(date +%s.%N)
psql -q "$DATABASE_URL" <<SQL
SET session_replication_role = replica;
INSERT INTO journal_entries (entry_date, kind, memo, document_type, document_id, created_by)
SELECT date '2026-01-01' + (g % 365), 'receipt', 'RCP-BENCH-' || g || ' 한인 교회 여선교회, "Seoul" branch',
       NULL, NULL, (SELECT id FROM users WHERE email = 'bench@example.org')
FROM generate_series(1, $ENTRIES) g;
INSERT INTO postings (entry_id, line_no, account_code, fund_id, side, amount)
SELECT e.id, l, CASE l WHEN 1 THEN '1000' ELSE '4000' END, 1,
       CASE l WHEN 1 THEN 'debit' ELSE 'credit' END, ((e.id % 1000) + 1)::numeric(14, 2) / 4
FROM journal_entries e CROSS JOIN generate_series(1, 2) l;
UPDATE fund_balances b SET cash = t.cash, available = t.cash
FROM (SELECT fund_id, SUM(amount) FILTER (WHERE side = 'debit') AS cash FROM postings
      WHERE account_code = '1000' GROUP BY fund_id) t WHERE b.fund_id = t.fund_id;
SET session_replication_role = origin;
ANALYZE;
SQL
echo "loaded in $(echo "$(date +%s.%N) - $start" | bc) s"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BIND="127.0.0.1:$PORT" $BIN serve > /tmp/gt-bench-server.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && break; sleep 0.2; done
TOKEN=$($BIN token create --email bench@example.org 2>/dev/null | tail -1)

# The same query the service runs, with its parameters: no date or fund filter.
QUERY=$(sed -e 's/\$1/NULL/g; s/\$2/NULL/g; s/\$3/NULL/g; s/\$4/NULL/g; s/\$6/NULL/g' \
            -e "s/\\\$5/'America\\/Los_Angeles'/g" reports/general-ledger.sql | grep -v '^--')

now() { date +%s.%N; }
http_times=(); copy_times=()
for run in 1 2 3; do
    t0=$(now)
    curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/exports/general-ledger.csv" -o /tmp/gt-bench-http.csv
    t1=$(now)
    psql -q "$DATABASE_URL" -c "COPY ($QUERY) TO STDOUT WITH (FORMAT csv, HEADER)" > /tmp/gt-bench-copy.csv
    t2=$(now)
    http=$(echo "$t1 - $t0" | bc); copy=$(echo "$t2 - $t1" | bc)
    http_times+=("$http"); copy_times+=("$copy")
    printf 'run %d: HTTP %6.2f s (%s bytes)  COPY %6.2f s (%s bytes)\n' "$run" "$http" \
        "$(stat -c %s /tmp/gt-bench-http.csv)" "$copy" "$(stat -c %s /tmp/gt-bench-copy.csv)"
done
rows=$(($(wc -l < /tmp/gt-bench-http.csv) - 1))
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
http=$(median "${http_times[@]}"); copy=$(median "${copy_times[@]}")
rss=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
echo "rows: $rows"
printf 'median: HTTP %.2f s, COPY %.2f s; throughput ratio HTTP/COPY = %.2f (goal >= 0.95)\n' \
    "$http" "$copy" "$(echo "$copy / $http" | bc -l)"
printf 'server peak RSS: %.1f MiB (goal < 32 MiB)\n' "$(echo "$rss / 1024" | bc -l)"
