#!/usr/bin/env bash
# Benchmark (not a test): from `grant-tracker serve` to the first `/readyz` 200 on a
# migrated database, five times; prints each and the median, and the idle memory.
#
#   benches/restart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
bench_start gt_bench demo
times=()
for run in 1 2 3 4 5; do
    port=$(free_port)
    start=$(date +%s%N)
    BIND="127.0.0.1:$port" $BIN serve > "$PGDIR/service.log" 2>&1 &
    SERVICE_PID=$!
    until curl -sf "http://127.0.0.1:$port/readyz" > /dev/null 2>&1; do sleep 0.005; done
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVICE_PID/status")
    times+=("$ms")
    printf 'run %d: ready in %4d ms, RSS %.1f MiB\n' "$run" "$ms" "$(echo "$rss / 1024" | bc -l)"
    kill -TERM "$SERVICE_PID"; wait "$SERVICE_PID" || true
done
echo "RESULT restart_ms=$(median "${times[@]}") (goal < 500)"
