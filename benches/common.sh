# Shared by the scripts in benches/ (sourced, not run): a private PostgreSQL cluster in a
# temporary directory (so a benchmark changes no setting of the machine's server and
# measures both sides against the same one), the release build, and a service on it.
#
# After `bench_cluster_start`: PGPORT, PGDIR, SERVER (URL of the cluster), PG_BIN.
# After `bench_service_start DB`: DATABASE_URL, BASE (the service's URL), SERVICE_PID.

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
AS_PG=()
if [ "$(id -u)" = 0 ]; then AS_PG=(runuser -u postgres --); fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A cluster with the server's defaults (fsync on, 128 MB shared buffers), but room for the
# clients of a run and a log whose lines name their backend process.
bench_cluster_start() {
    PGPORT=$(free_port)
    PGDIR=$(mktemp -d /tmp/gt-bench-pg.XXXXXX)
    chmod 755 "$PGDIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDIR"
    "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 > "$PGDIR/initdb.log"
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
        -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c log_line_prefix='|%p| '" \
        start > /dev/null
    SERVER="postgres://postgres@127.0.0.1:$PGPORT"
    export PGPORT PGDIR SERVER
}

bench_cluster_stop() {
    if [ -n "${PGDIR:-}" ] && [ -d "$PGDIR/data" ]; then
        "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop > /dev/null 2>&1 || true
        rm -rf "$PGDIR"
    fi
}

# Everything a benchmark starts from: the build, a private cluster, and a database $1 on
# it, migrated (and with the demo's data when $2 is `demo`); all stopped at exit.
bench_start() {
    trap 'bench_service_stop; bench_cluster_stop' EXIT
    bench_build
    bench_cluster_start
    export DATABASE_URL="$SERVER/$1" RUST_LOG=warn
    $BIN migrate > /dev/null
    if [ "${2:-}" = demo ]; then $BIN demo > /dev/null; fi
}

bench_build() {
    cargo build --release -q
    cargo bench --bench load --no-run -q 2> /dev/null
    LOAD=$(ls -t target/release/deps/load-* | grep -v '\.d$' | head -1)
    BIN=target/release/grant-tracker
    export LOAD BIN
}

# Migrates database $1 on the cluster, adds a caseworker (and $2 more roles), and serves it.
bench_service_start() {
    export DATABASE_URL="$SERVER/$1" RUST_LOG=warn
    $BIN migrate > /dev/null
    local port
    port=$(free_port)
    BASE="http://127.0.0.1:$port"
    BIND="127.0.0.1:$port" $BIN serve > "$PGDIR/service.log" 2>&1 &
    SERVICE_PID=$!
    for _ in $(seq 1 100); do curl -sf "$BASE/readyz" > /dev/null && break; sleep 0.1; done
    export BASE SERVICE_PID
}

bench_service_stop() {
    [ -n "${SERVICE_PID:-}" ] && kill "$SERVICE_PID" 2> /dev/null && wait "$SERVICE_PID" 2> /dev/null || true
}

# A user of role $1 and an API token for them.
bench_token() {
    local email="bench-$1@example.org"
    echo "bench-pass-123456" | $BIN user add --email "$email" --name "Bench $1" --role "$1" --password-stdin > /dev/null
    $BIN token create --email "$email" 2> /dev/null | tail -1
}

# Median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# The value of key $2 in a `RESULT k=v …` line $1.
result_of() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
