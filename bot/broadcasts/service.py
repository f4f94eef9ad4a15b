"""What the console and the API both do with broadcasts: accept, approve, stop, audited."""

from __future__ import annotations

import time
from datetime import datetime

import redis

from bot.broadcasts.areas import load_areas
from bot.broadcasts.audit import AuditLog
from bot.broadcasts.cap import Announcement, CapError, announcement_from_dict
from bot.broadcasts.fanout import request_send, stop
from bot.broadcasts.store import Broadcast, BroadcastStore
from bot.config import Settings

ACTION_BY_TYPE = {"Alert": "composed", "Update": "updated", "Cancel": "cancelled"}


class Broadcasts:
    def __init__(self, client: redis.Redis, settings: Settings, queue=None) -> None:  # noqa: ANN001
        self.redis, self.settings, self.queue = client, settings, queue
        self.store = BroadcastStore(client, settings)
        self.audit = AuditLog(client, settings)

    def accept(self, data: dict, actor: str, via: str = "console") -> Broadcast:
        """Validate and store a draft; follow-ups must refer to broadcasts that exist."""
        announcement = announcement_from_dict(data, load_areas())
        self._check_references(announcement)
        broadcast = self.store.create(announcement, actor, via)
        detail = f"{announcement.msg_type}: {announcement.headline}"
        if announcement.references:
            detail += f" (→ {', '.join(announcement.references)})"
        self.audit.record(actor, ACTION_BY_TYPE[announcement.msg_type], f"broadcast:{broadcast.id}", detail)
        return broadcast

    def _check_references(self, announcement: Announcement) -> None:
        for ref in announcement.references:
            if self.store.get(ref) is None:
                raise CapError("references", f"no broadcast {ref!r}")

    def approve(self, broadcast_id: str, actor: str, at: datetime | None = None) -> None:
        broadcast = self.store.get(broadcast_id)
        if broadcast is None or broadcast.status != "draft":
            raise CapError("status", "only a draft can be sent", 409)
        if at is not None and at.timestamp() <= time.time():
            at = None
        self.audit.record(actor, "approved", f"broadcast:{broadcast_id}", broadcast.announcement.headline)
        request_send(self.redis, self.settings, broadcast_id, actor, at, queue=self.queue)
        when = f"lúc {at.strftime('%H:%M %d/%m/%Y')}" if at else "ngay"
        self.audit.record(actor, "scheduled" if at else "sent", f"broadcast:{broadcast_id}", when)

    def stop(self, broadcast_id: str, actor: str) -> bool:
        stopped = stop(self.redis, self.settings, broadcast_id, reason=f"dừng bởi {actor}")
        if stopped:
            self.audit.record(actor, "stopped", f"broadcast:{broadcast_id}")
        return stopped
