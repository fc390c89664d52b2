#!/usr/bin/env bash
# Fuzz the API with schemathesis (PyPI) against its own OpenAPI document: a fresh database
# loaded with the demo data, the service on a free local port, and one run per role with
# that role's token. Usage: tests/schemathesis.sh [MAX_EXAMPLES]   (default 15);
# SCHEMATHESIS_ROLES="admin" runs one role only.
# Prints schemathesis's summary per role (the whole report is target/schemathesis-ROLE.log);
# exits non-zero when any run found a failure. `.ci/run` runs it after `cargo test`.
# schemathesis.toml lists the operations that may also answer 422, and why.
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${1:-15}"
server="${TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
db="gt_schemathesis"
url="$server/$db"
port="${SCHEMATHESIS_PORT:-18181}"
venv="${SCHEMATHESIS_VENV:-target/schemathesis-venv}"

if ! [ -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'schemathesis>=4.32,<5'
fi
cargo build -q
bin=target/debug/grant-tracker

psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
# Sign-in fuzzing must not lock the demo users out of the run; the clock is the real one.
unset TEST_CLOCK
RUST_LOG=warn "$bin" --database-url "$url" demo >/dev/null
RUST_LOG=warn "$bin" serve --database-url "$url" --bind "127.0.0.1:$port" >target/schemathesis-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

passed=0
failed=0
for who in ${SCHEMATHESIS_ROLES:-caseworker.la board1 accountant admin}; do
    token=$(RUST_LOG=warn "$bin" token create --database-url "$url" --email "demo.$who@example.org" 2>/dev/null | head -1)
    echo "== schemathesis as demo.$who"
    # Revoking the run's own token or deactivating its user would end the run early.
    "$venv/bin/schemathesis" --config-file schemathesis.toml \
        run "http://127.0.0.1:$port/api/openapi.json" \
        --checks all --max-examples "$examples" --no-color \
        -H "Authorization: Bearer $token" \
        --exclude-name 'DELETE /api/v1/auth/token' \
        --exclude-name 'POST /api/v1/users/{id}/revoke-tokens' \
        --exclude-name 'PATCH /api/v1/users/{id}' \
        >"target/schemathesis-$who.log" 2>&1 && passed=$((passed + 1)) || failed=$((failed + 1))
    grep -E '^ +(❌|✅) |failures?,|passed' "target/schemathesis-$who.log" | tail -n 8 || true
    # A failure's details (the request, the answer, a curl line to replay it) go to CI's log.
    sed -n '/^=* FAILURES =*$/,/^=* SUMMARY =*$/p' "target/schemathesis-$who.log" | head -n 120
done
echo "schemathesis: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
