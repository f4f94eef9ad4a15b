"""The worker's CAP feed poller: read each configured feed with a conditional GET, turn new alerts for
this commune into broadcasts that wait for an official's approval.

- Conditional GET: the feed's ETag and Last-Modified are kept in Redis; a 304 costs nothing.
- An entry is read once per (id, updated); the CAP message itself is deduplicated on (sender,
  identifier) by the service, so a feed that re-lists everything sends nothing twice.
- New messages are taken oldest `sent` first, so an Alert is known before the Cancel that ends it.
- Alerts whose areas do not touch the commune are skipped; the rest become drafts. Only when
  configured (CAP_FEED_AUTO_SEND_EXTREME) does an Actual, Extreme and Immediate alert go out at once.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit

import redis
import requests
from requests.structures import CaseInsensitiveDict

from bot.broadcasts.cap import CapError, parse_time
from bot.broadcasts.cap_xml import parse_cap_xml
from bot.broadcasts.feed_config import FeedConfig, feed_config
from bot.broadcasts.feed_in import FeedEntry, parse_feed
from bot.broadcasts.service import Broadcasts
from bot.config import Settings
from bot.stores.values import hash_fields, text_hash

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024  # a feed or an alert larger than this is refused
SEEN_DAYS = 30
AUTO_ACTOR = "tự động (Extreme + Immediate)"


@dataclass
class PollResult:
    url: str
    not_modified: bool = False
    drafts: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    skipped: int = 0  # not for this commune, already known, or not readable
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Fetched:
    status: int
    headers: CaseInsensitiveDict
    body: bytes


def _get(session: requests.Session, url: str, timeout: float, headers: dict[str, str] | None = None) -> _Fetched:
    """GET with a bounded body; HTTP errors other than 304 raise."""
    with session.get(url, headers=headers or {}, timeout=timeout, stream=True) as response:
        if response.status_code != 304:
            response.raise_for_status()
        chunks, size = [], 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > MAX_BYTES:
                raise CapError("feed", f"{url} is larger than {MAX_BYTES} bytes", 413)
            chunks.append(chunk)
        return _Fetched(response.status_code, CaseInsensitiveDict(response.headers), b"".join(chunks))


class FeedPoller:
    def __init__(self, client: redis.Redis, settings: Settings, config: FeedConfig | None = None,
                 session: requests.Session | None = None, queue=None,
                 service: Broadcasts | None = None) -> None:
        self.redis, self.settings = client, settings
        self.config = config or feed_config()
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "xa-bot CAP reader")
        self.service = service or Broadcasts(client, settings, queue, self.config)

    def _key(self, url: str, part: str) -> str:
        return f"{self.settings.key_prefix}capfeed:{hashlib.sha256(url.encode()).hexdigest()[:24]}:{part}"

    def poll_all(self) -> list[PollResult]:
        results = []
        for url in self.config.feeds:
            try:
                results.append(self.poll(url))
            except (requests.RequestException, CapError) as exc:
                log.warning("CAP feed unreadable", extra={"feed": url, "error": str(exc)[:200]})
                results.append(PollResult(url, errors=[str(exc)[:200]]))
        return results

    def poll(self, url: str) -> PollResult:
        state_key = self._key(url, "http")
        state = text_hash(self.redis.hgetall(state_key))
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        response = _get(self.session, url, self.config.timeout_seconds, headers)
        if response.status == 304:
            return PollResult(url, not_modified=True)
        result = PollResult(url)
        messages = self._new_messages(url, parse_feed(response.body), result)
        for _sent, entry_key, document in sorted(messages, key=lambda m: m[0]):
            self._take(url, document, result)
            self.redis.sadd(self._key(url, "seen"), entry_key)
        self.redis.expire(self._key(url, "seen"), SEEN_DAYS * 86400)
        validators = {"etag": response.headers.get("ETag", ""),
                      "last_modified": response.headers.get("Last-Modified", "")}
        self.redis.hset(state_key, mapping=hash_fields(validators))  # only after every entry was taken
        return result

    def _new_messages(self, url: str, entries: list[FeedEntry], result: PollResult,
                      ) -> list[tuple[float, str, bytes]]:
        messages = []
        seen_key = self._key(url, "seen")
        for entry in entries:
            if self.redis.sismember(seen_key, entry.key):
                result.skipped += 1
                continue
            document = entry.embedded
            if not document and urlsplit(urljoin(url, entry.cap_url)).scheme not in ("http", "https"):
                result.skipped += 1
                continue
            if not document and entry.cap_url:
                try:
                    document = _get(self.session, urljoin(url, entry.cap_url), self.config.timeout_seconds).body
                except (requests.RequestException, CapError) as exc:
                    result.errors.append(f"{entry.cap_url}: {str(exc)[:120]}")
                    continue  # not marked seen: tried again next time
            try:
                sent = parse_time(parse_cap_xml(document).sent or "1970-01-01T00:00:00+00:00", "sent").timestamp()
            except CapError as exc:
                result.errors.append(f"{entry.key[:80]}: {exc}")
                self.redis.sadd(seen_key, entry.key)  # unreadable as CAP: reading it again will not help
                continue
            messages.append((sent, entry.key, document))
        return messages

    def _take(self, url: str, document: bytes, result: PollResult) -> None:
        source = f"feed:{urlsplit(url).hostname or url}"
        try:
            accepted = self.service.accept_cap_xml(document, source, via=source)
        except CapError as exc:
            result.skipped += 1
            if exc.field not in ("area", "expires"):  # for somewhere else, or over: the normal case
                result.errors.append(str(exc)[:200])
            return
        broadcast = accepted.broadcast
        if not accepted.created:
            result.skipped += 1
            return
        a = broadcast.announcement
        if (broadcast.status == "draft" and self.config.auto_send_extreme and a.msg_type == "Alert"
                and a.severity == "Extreme" and a.urgency == "Immediate"):
            self.service.approve(broadcast.id, AUTO_ACTOR)
            result.sent.append(broadcast.id)
        elif broadcast.status == "draft":
            result.drafts.append(broadcast.id)


def poll_feeds_job(feeds: list[str] | None = None) -> list[dict]:
    """rq entry point (run inside `python -m bot.queue.worker`, started for each commune by the scheduler,
    bot.tenants.polling): `feeds` are the commune's own (None: the deployment's CAP_FEEDS)."""
    from bot.runtime import current

    rt = current()
    settings, client = rt.settings, rt.redis
    started = time.monotonic()
    config = feed_config()
    if feeds is not None:
        config = replace(config, feeds=tuple(feeds))
    results = FeedPoller(client, settings, config, queue=rt.queue).poll_all()
    log.info("CAP feeds polled", extra={"feeds": len(results), "seconds": round(time.monotonic() - started, 2),
                                        "drafts": sum(len(r.drafts) for r in results), "tenant": settings.tenant})
    return [{"url": r.url, "drafts": r.drafts, "sent": r.sent, "errors": r.errors} for r in results]
