#!/usr/bin/env bash
# A nightly logical backup (cron or a systemd timer, as the postgres user):
#   backup.sh /var/backups/grant-tracker
# Keeps 30 days. The data key (DATA_KEY) is NOT in the dump: keep it elsewhere.
set -euo pipefail
dir="${1:-/var/backups/grant-tracker}"
mkdir -p "$dir"
stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
pg_dump --format=custom --file="$dir/grant_tracker-$stamp.dump" "${DATABASE:-grant_tracker}"
find "$dir" -name 'grant_tracker-*.dump' -mtime +30 -delete
