"""Delivery records do not stay for ever: a finished broadcast's report is archived as CSV, then its
per-recipient records (`bc:<id>:rcpt`, `:d`, `:invite`, `:done`, `:started`) expire after
BROADCAST_RECORD_RETENTION_DAYS. The broadcast itself and its counts (`bc:<id>`, `:n`) stay: a few
hundred bytes each, and the history officials read.

The worker's scheduler (bot.queue.worker) runs `archive_finished` now and then; `_finish_broadcast`
(bot.broadcasts.fanout) marks a broadcast as waiting for it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import cast

import redis

from bot.broadcasts.report import csv_lines
from bot.broadcasts.store import BroadcastStore
from bot.config import Settings

# The parts of a broadcast that name recipients: archived, then expired.
RECORD_PARTS = ("rcpt", "d", "invite", "done", "started")


def archive_path(settings: Settings, broadcast_id: str) -> Path:
    return Path(settings.broadcast_archive_dir) / f"{broadcast_id}.csv"


def to_archive_key(store: BroadcastStore) -> str:
    return f"{store.p}to-archive"


def mark_finished(store: BroadcastStore, broadcast_id: str, pipe: redis.client.Pipeline | None = None) -> None:
    (pipe or store.redis).zadd(to_archive_key(store), {broadcast_id: time.time()})


def archive_finished(client: redis.Redis, settings: Settings, limit: int = 20) -> int:
    """Archive the reports of finished broadcasts and set their records' expiry; how many were archived."""
    store = BroadcastStore(client, settings)
    archived = 0
    for raw in cast(list[bytes], client.zrange(to_archive_key(store), 0, limit - 1)):
        broadcast_id = raw.decode()
        path = archive_path(settings, broadcast_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".csv.part")
        with partial.open("w", encoding="utf-8", newline="") as out:
            for chunk in csv_lines(store.deliveries(broadcast_id)):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)  # the report is whole on disk before Redis forgets anything
        retention = max(1, settings.broadcast_record_retention_days) * 24 * 3600
        pipe = client.pipeline()
        for part in RECORD_PARTS:
            pipe.expire(store.key(broadcast_id, part), retention)
        pipe.hset(store.key(broadcast_id), mapping={"archived_at": time.time(), "archive": str(path)})
        pipe.zrem(to_archive_key(store), broadcast_id)
        pipe.execute()
        archived += 1
    return archived


def archived_report(settings: Settings, broadcast_id: str) -> Path | None:
    """The archived CSV, once the records themselves may be gone."""
    path = archive_path(settings, broadcast_id)
    return path if path.is_file() else None
