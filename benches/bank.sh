#!/usr/bin/env bash
# The bank test's long form (issue 17): tests/it/bank_run.rs with more clients for longer.
# Racing clients move money (receipts, votes, payments, voids, withdrawals) with
# idempotency keys, duplicate sends and client timeouts, while the service is killed
# (SIGKILL) and restarted twice and PostgreSQL crashes once (private cluster); then every
# acknowledged write must exist exactly once and check-ledger must pass. `cargo test` runs
# the short form (20 s, 6 clients) every time.
#
#   benches/bank.sh [SECONDS] [CLIENTS]     # default 120 s, 16 clients
set -euo pipefail
cd "$(dirname "$0")/.."
BANK_SECONDS="${1:-120}" BANK_CLIENTS="${2:-16}" \
    cargo test --test it bank_run -- --nocapture 2>&1 | grep -E '^bank test|^test |panicked|test result'
