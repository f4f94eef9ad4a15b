#!/usr/bin/env bash
# Restore an RDB backup (scripts/backup.sh) into an empty Redis data directory, as an AOF:
#   scripts/restore.sh BACKUP.rdb DATA_DIR
# Then start Redis as usual (appendonly yes, --dir DATA_DIR): it loads the AOF written here.
#
# Why not just copy the file in as dump.rdb: Redis 7 with `appendonly yes` and no AOF yet starts EMPTY and
# ignores dump.rdb. So a private redis-server (a unix socket, no TCP port) loads the RDB with AOF off,
# then `CONFIG SET appendonly yes` writes the AOF from memory, and it shuts down once that is on disk.
# Stop the bot's Redis (and web and worker) first; REDIS_SERVER names the binary (default: redis-server).
set -euo pipefail

rdb=${1:?usage: scripts/restore.sh BACKUP.rdb DATA_DIR}
data=${2:?usage: scripts/restore.sh BACKUP.rdb DATA_DIR}
server=${REDIS_SERVER:-redis-server}

if [ -e "$data/appendonlydir" ] || [ -e "$data/appendonly.aof" ]; then
  echo "refusing: $data already holds an AOF; move it aside (it is the data you are replacing)" >&2
  exit 1
fi
if command -v redis-check-rdb >/dev/null 2>&1; then
  redis-check-rdb "$rdb" >/dev/null || { echo "refusing: $rdb is not a valid RDB file" >&2; exit 1; }
fi
mkdir -p "$data"
cp "$rdb" "$data/dump.rdb"
sock="$data/restore.sock"
"$server" --port 0 --unixsocket "$sock" --dir "$data" --dbfilename dump.rdb --appendonly no --save "" \
  --daemonize no --logfile "$data/restore.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

cli() { redis-cli -s "$sock" "$@"; }
for _ in $(seq 1 600); do
  [ "$(cli ping 2>/dev/null)" = "PONG" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "redis-server could not load $rdb; see $data/restore.log" >&2; exit 1; }
  sleep 0.1
done
keys=$(cli info keyspace | awk -F'[=,]' '/^db[0-9]+:keys=/ {n += $2} END {print n + 0}')
cli config set appendonly yes >/dev/null
# The AOF is written by a background rewrite; wait until it is done and succeeded.
for _ in $(seq 1 3000); do
  info=$(cli info all | tr -d '\r')
  if grep -q '^aof_enabled:1' <<<"$info" && grep -q '^aof_rewrites:[1-9]' <<<"$info" \
     && grep -q '^aof_rewrite_in_progress:0' <<<"$info" && grep -q '^aof_rewrite_scheduled:0' <<<"$info"; then
    break
  fi
  sleep 0.1
done
grep -q '^aof_last_bgrewrite_status:ok' <<<"$info" || { echo "writing the AOF failed; see $data/restore.log" >&2; exit 1; }
cli shutdown >/dev/null 2>&1 || true
wait "$pid" || true
trap - EXIT
rm -f "$data/dump.rdb" "$sock"
echo "restored $keys keys into $data (AOF)"
