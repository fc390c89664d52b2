#!/usr/bin/env bash
# Benchmark (not a test): the intake (household → N-400 application → submit) over HTTP
# against pgbench replaying the very statements the service ran for one intake, prepared
# (-M prepared, the protocol the service uses), in the same run on the same private
# PostgreSQL cluster. Prints the throughput ratio (1.0 = at PostgreSQL's own pace) and each
# request's p50/p99 for 32 closed-loop clients, then for an open loop at half the
# closed loop's rate (the service's saturation).
#
#   benches/intake.sh [SECONDS] [CLIENTS]     # default 30 s, 32 clients
#
# Goals (issue 17): ratio >= 0.8; p99 < 150 ms closed loop; p99 < 50 ms open loop.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-30}"
CLIENTS="${2:-32}"
source benches/common.sh
bench_start gt_bench
bench_service_start gt_bench
TOKEN=$(bench_token caseworker)
psql() { command psql -X -q -At "$DATABASE_URL" "$@"; }
echo "PostgreSQL $(psql -c 'SHOW server_version'), service $BASE, $(nproc) cores"

echo "warming up (5 s, $CLIENTS clients)…"
$LOAD intake "$BASE" "$TOKEN" 5 closed "$CLIENTS" > /dev/null

# Capture one intake's statements: every id sequence moved to its own base first, so
# that an id in a statement names the table it came from (see replay.py).
psql > "$PGDIR/sequences" <<'SQL'
SELECT t.relname, 1000000000 + 1000000 * row_number() OVER (ORDER BY t.relname)
FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace
ORDER BY t.relname;
SQL
sed -i 's/|/ /' "$PGDIR/sequences"
while read -r table base; do
    psql -c "SELECT setval(pg_get_serial_sequence('$table', 'id'), $base, false)" > /dev/null
done < "$PGDIR/sequences"
psql -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" > /dev/null
sleep 0.5
psql -c "SELECT 'gt-capture-start'" > /dev/null
$LOAD intake "$BASE" "$TOKEN" 0 closed 1 > /dev/null
psql -c "SELECT 'gt-capture-end'" > /dev/null
psql -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" > /dev/null
statements=$(python3 benches/replay.py "$PGDIR/log" "$PGDIR/sequences" "$PGDIR/intake.pgbench" "$PGDIR/defines")
echo "one intake is $statements statements (the replay: $PGDIR/intake.pgbench)"
cp "$PGDIR/intake.pgbench" target/intake.pgbench
defines=()
while IFS= read -r -d '' define; do defines+=(-D "$define"); done < "$PGDIR/defines"

psql -c CHECKPOINT
echo "HTTP, closed loop: $CLIENTS clients, $SECONDS_RUN s"
closed=$($LOAD intake "$BASE" "$TOKEN" "$SECONDS_RUN" closed "$CLIENTS")
printf '%s\n' "$closed" | grep -v '^RESULT'
closed=$(printf '%s\n' "$closed" | grep '^RESULT')
http_rate=$(result_of "$closed" intakes_per_s)

echo "pgbench -M prepared, the same statements: $CLIENTS clients, $SECONDS_RUN s"
psql -c CHECKPOINT
"$PG_BIN/pgbench" -n -M prepared -c "$CLIENTS" -j "$(nproc)" -T "$SECONDS_RUN" -P 10 \
    -f "$PGDIR/intake.pgbench" "${defines[@]}" "$DATABASE_URL" > "$PGDIR/pgbench.out" 2>&1 \
    || { cat "$PGDIR/pgbench.out"; exit 1; }
grep -E '^(tps|latency|number of failed)' "$PGDIR/pgbench.out"
pg_rate=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$PGDIR/pgbench.out" | head -1)
psql -c CHECKPOINT

open_rate=$(echo "$http_rate / 2" | bc -l)
printf 'HTTP, open loop at half saturation: %.1f intakes/s, %s s\n' "$open_rate" "$SECONDS_RUN"
open=$($LOAD intake "$BASE" "$TOKEN" "$SECONDS_RUN" open "$open_rate")
printf '%s\n' "$open" | grep -v '^RESULT'
open=$(printf '%s\n' "$open" | grep '^RESULT')

echo
echo "== intake, $(date -u +%F), $(nproc) cores, $CLIENTS clients, $SECONDS_RUN s"
printf 'HTTP %.1f intakes/s, pgbench %.1f/s: ratio %.2f (goal >= 0.8)\n' \
    "$http_rate" "$pg_rate" "$(echo "$http_rate / $pg_rate" | bc -l)"
for kind in household application submit; do
    printf '  %-12s closed p50 %6s ms p99 %6s ms | open p50 %6s ms p99 %6s ms\n' "$kind" \
        "$(result_of "$closed" "${kind}_p50")" "$(result_of "$closed" "${kind}_p99")" \
        "$(result_of "$open" "${kind}_p50")" "$(result_of "$open" "${kind}_p99")"
done
printf '  %-12s closed p99 %6s ms (goal < 150) | open p99 %6s ms (goal < 50)\n' "every request" \
    "$(result_of "$closed" all_p99)" "$(result_of "$open" all_p99)"
echo "  errors: closed $(result_of "$closed" errors), open $(result_of "$open" errors)"
