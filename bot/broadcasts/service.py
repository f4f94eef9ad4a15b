"""What the console, the API and the feed poller all do with broadcasts: accept, approve, reject, stop.

CAP's rules live here, once:
- `(sender, identifier)` names one message for ever: posting it again returns the broadcast it
  made (`Accepted.created` is False) and sends nothing.
- `references` name earlier messages as "sender,identifier,sent" triples (or our own ids); they
  resolve to the broadcasts those messages made. An Update of something never received here is
  an Alert to our citizens; a Cancel of something never received is recorded, never sent.
- Only `status=Actual` reaches citizens; Test, Exercise, System and Draft are recorded.
- A Cancel without <info> takes its event, headline and area from what it cancels.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import redis

from bot.broadcasts.areas import Areas
from bot.broadcasts.audit import AuditLog
from bot.broadcasts.cap import (
    HEADLINE_CHARS,
    Announcement,
    CapError,
    announcement_from_cap,
    announcement_from_dict,
    is_triple,
    shorten,
)
from bot.broadcasts.cap_xml import as_utf8, parse_cap_xml
from bot.broadcasts.errors import UnknownReference
from bot.broadcasts.fanout import request_send, stop
from bot.broadcasts.feed_config import FeedConfig, feed_config
from bot.broadcasts.followup import follow_up_announcement, parse_audience
from bot.broadcasts.store import Broadcast, BroadcastStore
from bot.config import VIETNAM, Settings
from bot.office.current import office_config

ACTION_BY_TYPE = {"Alert": "composed", "Update": "updated", "Cancel": "cancelled"}
SENT_STATUSES = ("scheduled", "preparing", "sending", "done", "stopped")


@dataclass(frozen=True)
class Resolution:
    """An announcement checked against this commune's broadcasts, nothing written yet (`Broadcasts.check`)."""

    announcement: Announcement  # references resolved to our ids
    original: bytes | None = None  # the CAP XML as received
    status: str = "draft"
    reason: str = ""
    withdraw: tuple[str, ...] = ()  # drafts from a source that this Update or Cancel supersedes

    @property
    def withdrawn_by(self) -> str:
        return self.announcement.msg_type if self.announcement.msg_type == "Cancel" else "Update"


# A CAP message received before (its broadcast), or what recording it will write.
Checked = Broadcast | Resolution


@dataclass(frozen=True)
class Accepted:
    broadcast: Broadcast
    created: bool  # False: this CAP message was received before; nothing new happened


def own_sender(settings: Settings, config: FeedConfig) -> str:
    """Our CAP sender id: configured, else the public host, else the commune's name."""
    if config.sender:
        return config.sender
    host = settings.public_base_url.split("://", 1)[-1].split("/", 1)[0]
    return host or "xa-bot.invalid"


class Broadcasts:
    def __init__(self, client: redis.Redis, settings: Settings, queue=None,
                 config: FeedConfig | None = None, areas: Areas | None = None) -> None:
        self.redis, self.settings, self.queue = client, settings, queue
        self.config = config or feed_config()
        self.areas = areas or office_config(client, settings).areas
        self.store = BroadcastStore(client, settings)
        self.audit = AuditLog(client, settings)

    # -- accepting ---------------------------------------------------------------------------------

    def accept(self, data: dict, actor: str, via: str = "console", now: datetime | None = None) -> Broadcast:
        """Validate and store a draft (the console's and the JSON API's way in)."""
        return self.accept_announcement(self.parse(data, now), actor, via).broadcast

    def parse(self, data: dict, now: datetime | None = None) -> Announcement:
        return announcement_from_dict(data, self.areas, now, self.config.default_expiry)

    def accept_cap_xml(self, document: bytes | str, actor: str, via: str, now: datetime | None = None) -> Accepted:
        """A CAP XML message, kept as received for the approver."""
        checked = self.check_cap_xml(document, now)
        return Accepted(checked, False) if isinstance(checked, Broadcast) else self.record(checked, actor, via)

    def check_cap_xml(self, document: bytes | str, now: datetime | None = None) -> Checked:
        """What accepting a CAP XML message would do here, nothing written: the broadcast it made before,
        or its resolution (with the document, kept in UTF-8 whatever it was sent in, so that the approver
        reads it as written)."""
        message = parse_cap_xml(document)
        existing = self.received_before(message.sender, message.identifier)
        if existing is not None:
            return existing
        announcement = announcement_from_cap(message, self.areas, now, self.config.default_expiry)
        return self.check(announcement, original=as_utf8(document))

    def received_before(self, sender: Any, identifier: Any) -> Broadcast | None:
        """The broadcast this CAP message made, if it came before: a re-post is answered before it is
        judged again (it may have expired since)."""
        if not sender or not identifier:
            return None
        found = self.store.by_cap(str(sender).strip(), str(identifier).strip())
        return self.store.get(found) if found else None

    def accept_announcement(self, announcement: Announcement, actor: str, via: str,
                            original: bytes | None = None) -> Accepted:
        return self.record(self.check(announcement, original), actor, via)

    def check(self, announcement: Announcement, original: bytes | None = None) -> Resolution:
        """References → our ids; the status the new broadcast starts in, and why; the drafts it
        withdraws. Reads only: a province checks every commune's part before recording any
        (bot.tenants.province). An id that is not one of ours here raises UnknownReference."""
        resolved: list[str] = []
        for ref in announcement.references:
            found = self._lookup(ref)
            if found is None and not is_triple(ref):
                raise UnknownReference("references", f"no broadcast {ref!r}")
            if found is not None:
                resolved.append(found)
        resolved = list(dict.fromkeys(resolved))
        announcement = replace(announcement, references=tuple(resolved))
        if announcement.msg_type == "Cancel" and resolved and not announcement.has_info:
            announcement = self._complete_cancel(announcement, resolved[0])
        if not announcement.headline:  # a bare Cancel of something never received here
            upstream = ", ".join(announcement.cap_references)
            announcement = replace(announcement, headline=shorten(f"Hủy tin {upstream}", HEADLINE_CHARS))
        if not announcement.reaches_citizens:
            return Resolution(announcement, original, "recorded",
                              f"trạng thái {announcement.status}: không gửi cho người dân")
        if announcement.msg_type not in ("Update", "Cancel"):
            return Resolution(announcement, original)
        # Whatever still awaits approval from a source is withdrawn: superseded by the update, or cancelled.
        referenced = [b for b in (self.store.get(ref) for ref in resolved) if b is not None]
        withdraw = tuple(b.id for b in referenced if b.status == "draft" and b.via != "console")
        went_out = tuple(b.id for b in referenced if b.status in SENT_STATUSES)
        if announcement.msg_type == "Update":
            # Refers to what citizens had; with nothing, it is news to them: an Alert.
            return Resolution(replace(announcement, references=went_out,
                                      msg_type="Update" if went_out else "Alert"), original, withdraw=withdraw)
        if not went_out:
            return Resolution(announcement, original, "recorded", "không có thông báo nào đã gửi để kết thúc",
                              withdraw)
        return Resolution(announcement, original, withdraw=withdraw)

    def record(self, resolution: Resolution, actor: str, via: str) -> Accepted:
        """Write what `check` decided: the drafts it supersedes withdrawn, the broadcast, its CAP name, the audit."""
        announcement = resolution.announcement
        for draft_id in resolution.withdraw:
            self._withdraw(draft_id, resolution.withdrawn_by)
        broadcast = self.store.create(announcement, actor, via, status=resolution.status, reason=resolution.reason,
                                      original=resolution.original)
        if announcement.sender and announcement.identifier:
            # Written first, claimed second: of two simultaneous posts exactly one keeps its broadcast.
            existing = self.store.claim_cap(announcement.sender, announcement.identifier, broadcast.id)
            if existing:
                self.store.discard(broadcast.id)
                return Accepted(self.store.get(existing), False)  # type: ignore[arg-type]
        detail = f"{announcement.msg_type}: {announcement.headline}"
        if announcement.references:
            detail += f" (→ {', '.join(announcement.references)})"
        if announcement.status != "Actual":
            detail += f" [{announcement.status}]"
        self.audit.record(actor, ACTION_BY_TYPE[announcement.msg_type], f"broadcast:{broadcast.id}", detail)
        return Accepted(broadcast, True)

    def _lookup(self, ref: str) -> str | None:
        if is_triple(ref):
            sender, identifier, _sent = (part.strip() for part in ref.split(","))
            found = self.store.by_cap(sender, identifier)
            # Our own published alerts, and integrators who put our id in the identifier's place.
            return self._current(found or identifier)
        return self._current(ref)

    def _current(self, broadcast_id: str) -> str | None:
        """The broadcast, or the edited version an official sent in its place."""
        for _ in range(10):  # a draft edited again and again is still a short chain
            broadcast = self.store.get(broadcast_id)
            if broadcast is None:
                return None
            if not broadcast.replaced_by:
                return broadcast.id
            broadcast_id = broadcast.replaced_by
        return broadcast_id

    def _withdraw(self, draft_id: str, by: str) -> None:
        """An Update or Cancel from a source withdraws its alert still awaiting approval."""
        draft = self.store.get(draft_id)
        if draft is None or draft.status != "draft":
            return  # decided meanwhile
        why = "nguồn đã hủy tin này" if by == "Cancel" else "nguồn đã gửi bản cập nhật thay cho tin này"
        self.reject(draft_id, "nguồn cảnh báo", f"{why} trước khi được duyệt")

    def _complete_cancel(self, cancel: Announcement, original_id: str) -> Announcement:
        original = self.store.get(original_id).announcement  # type: ignore[union-attr]
        return replace(cancel, event=original.event, headline=original.headline, severity=original.severity,
                       urgency=original.urgency, certainty=original.certainty, category=original.category,
                       target=original.target, area_desc=original.area_desc, language=original.language)

    # -- deciding ----------------------------------------------------------------------------------

    def approve(self, broadcast_id: str, actor: str, at: datetime | None = None, enqueue: bool = True) -> None:
        broadcast = self.store.get(broadcast_id)
        if broadcast is not None and broadcast.status == "recorded":
            raise CapError("status", "a message that is not Actual (or cancels nothing here) is never sent", 409)
        if broadcast is None or broadcast.status != "draft":
            raise CapError("status", "only a draft can be sent", 409)
        if at is not None and at.timestamp() <= time.time():
            at = None
        self.audit.record(actor, "approved", f"broadcast:{broadcast_id}", broadcast.announcement.headline)
        request_send(self.redis, self.settings, broadcast_id, actor, at, queue=self.queue, enqueue=enqueue)
        when = f"lúc {at.astimezone(VIETNAM).strftime('%H:%M %d/%m/%Y')}" if at else "ngay"
        self.audit.record(actor, "scheduled" if at else "sent", f"broadcast:{broadcast_id}", when)

    def replace_draft(self, draft_id: str, data: dict, actor: str) -> Broadcast:
        """An official's edit of an alert awaiting approval (say, in Vietnamese): a new draft, sent in its
        place; later Updates and Cancels of the original apply to it."""
        draft = self.store.get(draft_id)
        if draft is None or draft.status != "draft":
            raise CapError("status", "only a draft can be edited", 409)
        edited = self.accept(data, actor)
        self.store.update(draft_id, status="rejected", replaced_by=edited.id,
                          reason=f"thay bằng bản đã sửa {edited.id}")
        self.audit.record(actor, "replaced", f"broadcast:{draft_id}", f"→ {edited.id}")
        return edited

    def reject(self, broadcast_id: str, actor: str, reason: str = "") -> None:
        broadcast = self.store.get(broadcast_id)
        if broadcast is None or broadcast.status != "draft":
            raise CapError("status", "only a draft can be rejected", 409)
        self.store.update(broadcast_id, status="rejected", reason=reason or f"từ chối bởi {actor}")
        self.audit.record(actor, "rejected", f"broadcast:{broadcast_id}", reason)

    def checkin_follow_up(self, board: str, audience: str, area: str, headline: str, instruction: str,
                          actor: str, via: str = "console") -> Broadcast:
        """An Update of the alert to part of its check-in board (those with no answer, or one area),
        sent at once through the usual fan-out."""
        original = self.store.get(board)
        if original is None or not original.announcement.checkin:
            raise CapError("id", "this broadcast has no check-in board", 404)
        if original.status not in SENT_STATUSES:
            raise CapError("status", "the alert has not been sent", 409)
        found = self.areas.find(area) if audience == "area" else None
        if audience == "area" and found is None:
            raise CapError("area", f"unknown area {area!r}")
        stored_audience = parse_audience(audience, found.id if found else "")
        accepted = self.accept_announcement(follow_up_announcement(original, headline, instruction), actor, via)
        self.store.update(accepted.broadcast.id, audience=stored_audience, checkin_for=board)
        self.approve(accepted.broadcast.id, actor)
        return self.store.get(accepted.broadcast.id)  # type: ignore[return-value]

    def stop(self, broadcast_id: str, actor: str) -> bool:
        stopped = stop(self.redis, self.settings, broadcast_id, reason=f"dừng bởi {actor}")
        if stopped:
            self.audit.record(actor, "stopped", f"broadcast:{broadcast_id}")
        return stopped
