"""Public routes: the commune's own alerts as a CAP 1.2 Atom feed and each alert as CAP XML.

No login: these are public warnings, meant for the district, the province and alert aggregators.
Only Actual alerts that were sent appear; drafts, rejected, Test and feed-relayed ones never do.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, url_for

from bot.broadcasts.feed_config import feed_config
from bot.broadcasts.feed_out import CAP_MIME, Published, atom_feed, cap_alert, cap_document
from bot.broadcasts.service import own_sender
from bot.broadcasts.store import Broadcast, BroadcastStore
from bot.config import VIETNAM
from bot.office.current import effective_settings, office_config

FEED_SIZE = 50
PUBLISHED_STATUSES = ("sending", "done", "stopped")


def is_published(broadcast: Broadcast) -> bool:
    return (broadcast.status in PUBLISHED_STATUSES and broadcast.started_at > 0
            and broadcast.announcement.reaches_citizens and not broadcast.via.startswith("feed"))


def _published(store: BroadcastStore, broadcast: Broadcast) -> Published:
    def sent_at(b: Broadcast) -> datetime:
        return datetime.fromtimestamp(b.started_at or b.created_at, VIETNAM)

    refs = tuple((ref, sent_at(original)) for ref in broadcast.announcement.references
                 if (original := store.get(ref)) is not None and is_published(original))
    return Published(broadcast.id, broadcast.announcement, sent_at(broadcast), refs)


def create_public_feed_blueprint() -> Blueprint:
    feed = Blueprint("alerts_feed", __name__, url_prefix="/alerts")

    def context() -> tuple[BroadcastStore, str, str]:
        # The commune's name and public address as officials set them in the console.
        settings = effective_settings(current_app.config["REDIS"], current_app.config["SETTINGS"])
        return (BroadcastStore(current_app.config["REDIS"], settings), own_sender(settings, feed_config()),
                settings.commune_name)

    @feed.get("/feed.atom")
    def atom():
        store, sender, commune = context()
        items = [_published(store, b) for b in store.recent(FEED_SIZE * 4) if is_published(b)][:FEED_SIZE]
        updated = max((i.sent for i in items), default=datetime(2026, 1, 1, tzinfo=VIETNAM))
        body = atom_feed(items, sender, commune, url_for(".atom", _external=True),
                         url_for(".alert", broadcast_id="ID", _external=True).replace("ID", "{id}"), updated)
        return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "public, max-age=60"})

    @feed.get("/<broadcast_id>.xml")
    def alert(broadcast_id: str):
        store, sender, commune = context()
        broadcast = store.get(broadcast_id)
        if broadcast is None or not is_published(broadcast):
            abort(404)
        element = cap_alert(_published(store, broadcast), sender, commune,
                            office_config(current_app.config["REDIS"], current_app.config["SETTINGS"]).areas)
        return Response(cap_document(element), mimetype=CAP_MIME, headers={"Cache-Control": "public, max-age=60"})

    return feed
