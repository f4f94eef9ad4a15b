"""Follow-ups on a check-in board: an Update sent only to those who have not answered, or only to one
area, through the same fan-out as every broadcast (bot.broadcasts.fanout).

A follow-up is an ordinary Update of the alert (CAP: a new message that refers to the earlier one)
with two more fields: `audience` ("noanswer" or "area:<id>") and `checkin_for` (the board). Its
recipients are fixed when it is prepared, from the board as it is then.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import redis

from bot.broadcasts.cap import HEADLINE_CHARS, CapError, shorten
from bot.broadcasts.checkins import CheckinStore
from bot.broadcasts.store import Broadcast, BroadcastStore
from bot.broadcasts.targeting import Recipient, reachable
from bot.config import Settings

AUDIENCES = ("noanswer", "area")
MAX_CHAIN = 10


def checkin_board_of(store: BroadcastStore, broadcast: Broadcast) -> str:
    """The board an alert's answers count on: its own, or for an Update, the alert it updates."""
    if not broadcast.announcement.checkin:
        return ""
    if broadcast.checkin_for:
        return broadcast.checkin_for
    current = broadcast
    for _ in range(MAX_CHAIN):
        if current.announcement.msg_type != "Update" or not current.announcement.references:
            break
        earlier = store.get(current.announcement.references[0])
        if earlier is None:
            break
        if earlier.checkin_for:
            return earlier.checkin_for
        current = earlier
    return current.id


def audience_recipients(client: redis.Redis, settings: Settings, board: str, audience: str,
                        now: float, chunk: int = 1000) -> Iterator[Recipient | None]:
    """The part of the board a follow-up goes to, each with a channel (their area as they are now)."""
    kind, _, area = audience.partition(":")
    for follower in reachable(client, settings, CheckinStore(client, settings).audience(board, kind, area), now, chunk):
        yield Recipient(follower.user_id, follower.channel, area=follower.area or "")


def parse_audience(kind: str, area: str = "") -> str:
    """The stored audience for the console's or the API's choice; CapError when it makes no sense."""
    if kind not in AUDIENCES:
        raise CapError("audience", f"must be one of {', '.join(AUDIENCES)}")
    if kind == "area":
        if not area:
            raise CapError("area", "is required for a follow-up to one area")
        return f"area:{area}"
    return kind


def follow_up_announcement(original: Broadcast, headline: str, instruction: str):
    """An Update of the board's alert with the official's words; it keeps the check-in buttons."""
    headline = headline.strip()
    if not headline:
        raise CapError("headline", "is required")
    return replace(original.announcement, msg_type="Update", references=(original.id,),
                   headline=shorten(headline, HEADLINE_CHARS), instruction=instruction.strip(), description="",
                   checkin=True, sender="", identifier="", sent="", headline_full="", cap_references=())
