#!/usr/bin/env bash
# Benchmark (not a test): the intake (household → N-400 application → submit) over HTTP
# against pgbench replaying the very statements the service ran for one intake, prepared
# (-M prepared, the protocol the service uses), in the same run on the same private
# PostgreSQL cluster. Prints the throughput ratio (1.0 = at PostgreSQL's own pace) and each
# request's p50/p99 for 32 closed-loop clients, then for an open loop at half the
# closed loop's rate (the service's saturation).
#
#   benches/intake.sh [SECONDS] [CLIENTS] [ROUNDS]     # default 30 s, 32 clients, 3 rounds
#
# Each side runs SECONDS in all, as ROUNDS phases that take turns (HTTP then pgbench, then
# pgbench then HTTP, …), so that both meet the same machine: on a shared virtual machine the
# CPU the host takes away (steal, printed per phase) moves either side by a third within
# a minute, and one long phase each would let that decide the ratio. The ratio is the
# median of the rounds' ratios, and each closed-loop figure the median of the rounds';
# every round's is printed beside it.
#
# Each round also runs pgbench with as many clients as the service holds connections
# (its pool, counted in pg_stat_activity after the warm-up), for information: PostgreSQL
# does the replay faster with 12 clients than with 32, which wait on each other inside it,
# and that ratio shows how near the service comes to PostgreSQL's best pace rather than
# to its pace at 32 clients.
#
# Goals (issue 17): ratio >= 0.8; p99 < 150 ms closed loop; p99 < 50 ms open loop.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-30}"
CLIENTS="${2:-32}"
ROUNDS="${3:-3}"
PHASE=$(( SECONDS_RUN / ROUNDS > 5 ? SECONDS_RUN / ROUNDS : 5 ))
source benches/common.sh
bench_start gt_bench
bench_service_start gt_bench
TOKEN=$(bench_token caseworker)
psql() { command psql -X -q -At "$DATABASE_URL" "$@"; }
echo "PostgreSQL $(psql -c 'SHOW server_version'), service $BASE, $(nproc) cores"

echo "warming up (5 s, $CLIENTS clients)…"
$LOAD intake "$BASE" "$TOKEN" 5 closed "$CLIENTS" > /dev/null
# The connections the service's pool opened under that load: its size, as configured.
POOL=$(psql -c "SELECT count(*) FROM pg_stat_activity WHERE usename = 'grant_tracker_app'")

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

# The share of the machine's CPU time the host took while a phase ran (from /proc/stat).
steal_ticks() { awk '/^cpu /{print $9}' /proc/stat; }
HZ=$(getconf CLK_TCK)
steal_since() { echo "scale=1; 100 * ($(steal_ticks) - $1) / ($2 * $(nproc) * $HZ)" | bc; }

closed_phase() {
    local s0 out
    psql -c CHECKPOINT
    s0=$(steal_ticks)
    out=$($LOAD intake "$BASE" "$TOKEN" "$PHASE" closed "$CLIENTS" | grep '^RESULT')
    closed_results+=("$out")
    http_rates+=("$(result_of "$out" intakes_per_s)")
    printf '  HTTP     %6.1f intakes/s, p99 %6s ms, errors %s (steal %s%%)\n' \
        "$(result_of "$out" intakes_per_s)" "$(result_of "$out" all_p99)" \
        "$(result_of "$out" errors)" "$(steal_since "$s0" "$PHASE")"
}

# pgbench_phase N issue|pool: the replay with N clients; its rate goes to pg_rates (the
# issue's comparison, CLIENTS) or pool_rates (the pool's size; skipped when the same).
pgbench_phase() {
    local clients=$1 s0 rate
    if [ "$clients" = "$CLIENTS" ] && [ "$2" = pool ]; then return; fi
    psql -c CHECKPOINT
    s0=$(steal_ticks)
    "$PG_BIN/pgbench" -n -M prepared -c "$clients" -j "$(nproc)" -T "$PHASE" \
        -f "$PGDIR/intake.pgbench" "${defines[@]}" "$DATABASE_URL" > "$PGDIR/pgbench.out" 2>&1 \
        || { cat "$PGDIR/pgbench.out"; exit 1; }
    grep -q '^number of failed transactions: 0 ' "$PGDIR/pgbench.out" \
        || { cat "$PGDIR/pgbench.out"; exit 1; }
    rate=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$PGDIR/pgbench.out" | head -1)
    if [ "$2" = issue ]; then pg_rates+=("$rate"); else pool_rates+=("$rate"); fi
    printf '  pgbench  %6.1f intakes/s with %s clients, latency %s ms (steal %s%%)\n' "$rate" "$clients" \
        "$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$PGDIR/pgbench.out")" \
        "$(steal_since "$s0" "$PHASE")"
}

# The replay warms up too, as the service did: its first phase ran a third slower than
# the later ones while the tables were new (autovacuum's first passes).
echo "warming up the replay (5 s, $CLIENTS clients)…"
"$PG_BIN/pgbench" -n -M prepared -c "$CLIENTS" -j "$(nproc)" -T 5 \
    -f "$PGDIR/intake.pgbench" "${defines[@]}" "$DATABASE_URL" > /dev/null 2>&1

closed_results=() http_rates=() pg_rates=() pool_rates=() ratios=() pool_ratios=()
echo "closed loop, $CLIENTS clients: $ROUNDS rounds of $PHASE s for each side, taking turns"
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round"
    if [ $((round % 2)) = 1 ]; then
        closed_phase; pgbench_phase "$CLIENTS" issue; pgbench_phase "$POOL" pool
    else
        pgbench_phase "$POOL" pool; pgbench_phase "$CLIENTS" issue; closed_phase
    fi
    ratios+=("$(echo "${http_rates[-1]} / ${pg_rates[-1]}" | bc -l)")
    [ ${#pool_rates[@]} = 0 ] || pool_ratios+=("$(echo "${http_rates[-1]} / ${pool_rates[-1]}" | bc -l)")
done
psql -c CHECKPOINT
http_rate=$(median "${http_rates[@]}")
pg_rate=$(median "${pg_rates[@]}")
ratio=$(median "${ratios[@]}")
# A closed-loop figure: the median of the rounds' (`all` prints each round's instead).
closed_stat() {
    local key=$1 values=()
    for r in "${closed_results[@]}"; do values+=("$(result_of "$r" "$key")"); done
    if [ "${2:-}" = all ]; then echo "${values[*]}"; else median "${values[@]}"; fi
}
# Figures with two decimals, one space apart.
two_places() { printf '%.2f ' "$@" | sed 's/ $//'; }
closed_errors=0
for r in "${closed_results[@]}"; do closed_errors=$((closed_errors + $(result_of "$r" errors))); done

open_rate=$(echo "$http_rate / 2" | bc -l)
printf 'HTTP, open loop at half saturation: %.1f intakes/s, %s s\n' "$open_rate" "$SECONDS_RUN"
s0=$(steal_ticks)
open=$($LOAD intake "$BASE" "$TOKEN" "$SECONDS_RUN" open "$open_rate")
printf '%s\n' "$open" | grep -v '^RESULT'
echo "  (steal $(steal_since "$s0" "$SECONDS_RUN")%)"
open=$(printf '%s\n' "$open" | grep '^RESULT')

echo
echo "== intake, $(date -u +%F), $(nproc) cores, $CLIENTS clients, $ROUNDS rounds of $PHASE s per side"
printf 'HTTP %.1f intakes/s, pgbench %.1f/s (medians): ratio %.2f (goal >= 0.8; rounds %s)\n' \
    "$http_rate" "$pg_rate" "$ratio" "$(two_places "${ratios[@]}")"
if [ ${#pool_ratios[@]} -gt 0 ]; then
    printf '  against pgbench with %s clients (the pool'"'"'s size), %.1f/s: %.2f (rounds %s)\n' \
        "$POOL" "$(median "${pool_rates[@]}")" "$(median "${pool_ratios[@]}")" \
        "$(two_places "${pool_ratios[@]}")"
fi
for kind in household application submit; do
    printf '  %-12s closed p50 %6s ms p99 %6s ms | open p50 %6s ms p99 %6s ms\n' "$kind" \
        "$(closed_stat "${kind}_p50")" "$(closed_stat "${kind}_p99")" \
        "$(result_of "$open" "${kind}_p50")" "$(result_of "$open" "${kind}_p99")"
done
printf '  %-12s closed p99 %6s ms (goal < 150; rounds %s) | open p99 %6s ms (goal < 50)\n' \
    "every request" "$(closed_stat all_p99)" "$(closed_stat all_p99 all)" "$(result_of "$open" all_p99)"
echo "  errors: closed $closed_errors, open $(result_of "$open" errors)"
