#!/usr/bin/env bash
# Back up the bot's Redis to an RDB snapshot: scripts/backup.sh [DIR]
#
# REDIS_URL (default redis://127.0.0.1:6379/0) names the server; the snapshot is taken by the server
# itself, consistent, while the bot keeps running (`redis-cli --rdb`, a replica's full sync).
# DIR (default $BACKUP_DIR, else var/backups) receives xa-bot-<UTC time>.rdb, checked with
# redis-check-rdb before it counts; the newest $BACKUP_KEEP (default 14) are kept. Prints the file's path.
# Restore with scripts/restore.sh. Run it from cron or a systemd timer (deploy/systemd/xa-bot-backup.*).
set -euo pipefail

url=${REDIS_URL:-redis://127.0.0.1:6379/0}
dir=${1:-${BACKUP_DIR:-var/backups}}
keep=${BACKUP_KEEP:-14}

mkdir -p "$dir"
name="$dir/xa-bot-$(date -u +%Y%m%dT%H%M%SZ).rdb"
partial="$name.partial"
trap 'rm -f "$partial"' EXIT
redis-cli -u "$url" --no-auth-warning --rdb "$partial" >&2
# A truncated or corrupt copy must never pass for a backup.
if command -v redis-check-rdb >/dev/null 2>&1; then
  redis-check-rdb "$partial" >/dev/null || { echo "backup failed: $partial is not a valid RDB file" >&2; exit 1; }
fi
mv "$partial" "$name"
# Keep the newest $keep backups.
find "$dir" -maxdepth 1 -name 'xa-bot-*.rdb' -printf '%f\n' | sort -r | tail -n +$((keep + 1)) \
  | while read -r old; do rm -f -- "$dir/$old"; done
echo "$name"
