"""A province's CAP Atom feed on 127.0.0.1, read by the real worker process (`python -m bot.queue.worker`):
a new alert waits for an official, approval sends it, a second poll sends nothing, and the feed's
later Cancel follows it to exactly the people who got the alert."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from bot.app import create_app
from bot.broadcasts.feed_config import FeedConfig
from bot.broadcasts.feed_poller import FeedPoller
from bot.broadcasts.store import Broadcast, BroadcastStore
from bot.config import Settings
from bot.console.users import UserStore
from tests.broadcast_helpers import add_followers
from tests.conftest import RunningSandbox
from tests.feed_server import FeedServer
from tests.helpers import start_worker, stop_worker
from tests.test_broadcast_api import login
from tests.test_broadcast_fanout import bulk
from tests.test_cap_semantics import cap_xml

pytestmark = pytest.mark.e2e
SAMPLES = Path(__file__).parent / "data" / "cap"
TRIPLE = "kttv-tinh@example.gov.vn,FEED-1,2026-09-15T08:00:00+07:00"


def wait_for(check: Callable[[], object], seconds: float = 20.0) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def feed_settings(zalo_settings: Settings) -> Settings:
    return replace(zalo_settings, queue_name=f"feed-{uuid.uuid4().hex[:6]}", broadcast_rate_per_second=0)


def from_feed(store: BroadcastStore) -> list[Broadcast]:
    return [b for b in store.recent() if b.via.startswith("feed:")]


def test_feed_alert_waits_for_approval_is_sent_once_and_its_cancel_follows(
        feed: FeedServer, feed_settings: Settings, sandbox: RunningSandbox, redis_client: redis.Redis,
        tmp_path: Path) -> None:
    settings = feed_settings
    ap2, ap1, unplaced = bulk(sandbox, 2, "61"), bulk(sandbox, 1, "62"), bulk(sandbox, 1, "63")
    add_followers(redis_client, settings, ap2, "ap-2")
    add_followers(redis_client, settings, ap1, "ap-1")
    add_followers(redis_client, settings, unplaced)
    feed.alerts["canada"] = (SAMPLES / "canada-naad-signed.xml").read_bytes()  # another country's alert
    feed.alerts["drill"] = cap_xml("FEED-DRILL", status="Exercise")
    feed.alerts["flood"] = cap_xml("FEED-1")
    store = BroadcastStore(redis_client, settings)

    process = start_worker(settings, sandbox.url, tmp_path / "worker.log",
                           env={"CAP_FEEDS": f"{feed.url}/feed.atom", "CAP_FEED_POLL_SECONDS": "600"})
    try:
        # The worker's periodic job polls the feed: the flood alert waits for approval, nothing is sent.
        wait_for(lambda: len(from_feed(store)) == 2)
        by_identifier = {b.announcement.identifier: b for b in from_feed(store)}
        flood, drill = by_identifier["FEED-1"], by_identifier["FEED-DRILL"]
        assert flood.status == "draft" and flood.announcement.target == ("ap-2",)
        assert drill.status == "recorded" and drill.announcement.status == "Exercise"
        assert sandbox.messages() == []

        app = create_app(settings)
        UserStore(app.config["REDIS"], settings).create("chutich", "official", "official-pass-1")
        client, token = login(app, "chutich", "official-pass-1")
        page = client.get(f"/console/broadcasts/{flood.id}").get_data(as_text=True)
        assert "Chờ duyệt" in page and "Bản tin CAP gốc" in page and "Ấp 2" in page
        client.post(f"/console/broadcasts/{flood.id}/send", data={"when": "now", "csrf_token": token})
        wait_for(lambda: store.get(flood.id).status == "done")
        got_alert = sorted(m["user_id"] for m in sandbox.messages())
        assert got_alert == sorted(ap2 + unplaced)

        # Polling again: the feed answers 304 to the conditional GET, and nothing is sent twice.
        poller = FeedPoller(redis_client, settings, FeedConfig(feeds=(f"{feed.url}/feed.atom",)))
        assert poller.poll_all()[0].not_modified
        assert feed.requests[-1]["if_none_match"] and feed.requests[-1]["if_modified_since"]
        redis_client.delete(poller._key(f"{feed.url}/feed.atom", "seen"),  # forget what was read
                            poller._key(f"{feed.url}/feed.atom", "http"))
        again = poller.poll_all()[0]
        assert again.drafts == [] and len(from_feed(store)) == 2 and len(sandbox.messages()) == len(got_alert)

        # The province ends the alert: the Cancel (no <info>) waits for approval, then reaches once each
        # of those who got the alert.
        feed.alerts["flood-cancel"] = cap_xml("FEED-1-END", msg_type="Cancel", references=TRIPLE,
                                              sent="2026-09-15T14:00:00+07:00")
        cancel_id = poller.poll_all()[0].drafts[0]
        cancel = store.get(cancel_id)
        assert cancel.announcement.msg_type == "Cancel" and cancel.announcement.references == (flood.id,)
        client.post(f"/console/broadcasts/{cancel_id}/send", data={"when": "now", "csrf_token": token})
        wait_for(lambda: store.get(cancel_id).status == "done")
        all_clear = sandbox.messages()[len(got_alert):]
        assert sorted(m["user_id"] for m in all_clear) == got_alert
        assert all(m["payload"]["message"]["text"].startswith("✅ KẾT THÚC CẢNH BÁO") for m in all_clear)
        assert poller.poll_all()[0].not_modified
    finally:
        stop_worker(process)


def test_a_cancel_before_approval_withdraws_the_draft(feed: FeedServer, settings: Settings,
                                                      redis_client: redis.Redis) -> None:
    feed.alerts["flood"] = cap_xml("FEED-1")
    poller = FeedPoller(redis_client, settings, FeedConfig(feeds=(f"{feed.url}/feed.atom",)))
    draft_id = poller.poll_all()[0].drafts[0]
    feed.alerts["flood-cancel"] = cap_xml("FEED-1-END", msg_type="Cancel", references=TRIPLE)
    result = poller.poll_all()[0]
    store = BroadcastStore(redis_client, settings)
    assert result.drafts == [] and store.get(draft_id).status == "rejected"
    assert [b.status for b in store.recent() if b.announcement.msg_type == "Cancel"] == ["recorded"]


def test_extreme_immediate_may_go_out_at_once_when_configured(feed: FeedServer, settings: Settings,
                                                              redis_client: redis.Redis) -> None:
    from tests.broadcast_helpers import InlineQueue
    from tests.test_cap_semantics import info_block

    feed.alerts["quake"] = cap_xml("FEED-X", infos=info_block(severity="Extreme"))
    feed.alerts["storm"] = cap_xml("FEED-S", infos=info_block(severity="Severe"))
    queue = InlineQueue()
    config = FeedConfig(feeds=(f"{feed.url}/feed.atom",), auto_send_extreme=True)
    result = FeedPoller(redis_client, settings, config, queue=queue).poll_all()[0]
    store = BroadcastStore(redis_client, settings)
    assert [store.get(i).announcement.identifier for i in result.sent] == ["FEED-X"]
    assert [store.get(i).announcement.identifier for i in result.drafts] == ["FEED-S"]
    assert [f.__name__ for f, _ in queue.jobs] == ["prepare_job"]


def test_an_unreadable_feed_is_reported_not_raised(settings: Settings, redis_client: redis.Redis,
                                                   feed: FeedServer) -> None:
    config = FeedConfig(feeds=(f"{feed.url}/missing.atom", "http://127.0.0.1:9/feed.atom"), timeout_seconds=2)
    results = FeedPoller(redis_client, settings, config).poll_all()
    assert all(r.errors and not r.drafts for r in results)



def test_an_update_before_approval_supersedes_the_draft(feed: FeedServer, settings: Settings,
                                                        redis_client: redis.Redis) -> None:
    from tests.test_cap_semantics import info_block

    feed.alerts["flood"] = cap_xml("FEED-1")
    poller = FeedPoller(redis_client, settings, FeedConfig(feeds=(f"{feed.url}/feed.atom",)))
    first = poller.poll_all()[0].drafts[0]
    feed.alerts["flood-2"] = cap_xml("FEED-2", msg_type="Update", references=TRIPLE,
                                     infos=info_block(headline="Lũ quét lan rộng ở Ấp 2"),
                                     sent="2026-09-15T09:00:00+07:00")
    second = poller.poll_all()[0].drafts[0]
    store = BroadcastStore(redis_client, settings)
    assert store.get(first).status == "rejected" and "cập nhật" in store.get(first).reason
    update = store.get(second).announcement
    assert update.msg_type == "Alert" and update.references == ()  # citizens never had the first
    assert [b.id for b in store.recent() if b.status == "draft"] == [second]
