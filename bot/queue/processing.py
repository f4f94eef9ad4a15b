"""Handle one event end to end: dispatch to handlers once, then send the outbox idempotently.

The replies computed for an event are stored (its outbox) before anything is sent, so a worker
killed mid-way neither runs the handlers twice nor sends a message twice: on the retry, the
stored outbox is sent again and each message's idempotency key skips what already went out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis

from bot.config import Settings
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.conversation.texts import SORRY_BUSY
from bot.dossiers.verify import AWAITING_ID, awaiting_key
from bot.ingress.events import OA_WIDE, Event
from bot.logs import hash_user
from bot.office.closures import ClosureStore
from bot.office.current import office_version_known
from bot.queue.event_inbox import Keys, RetryLater
from bot.services import Services
from bot.stores.aliases import AliasStore
from bot.stores.followers import FollowerRegistry
from bot.stores.office_config import OfficeConfigStore
from bot.stores.profiles import PROFILE_KNOWN, ProfileStore
from bot.stores.scripts import execute_idempotent
from bot.stores.values import text_or_none
from bot.zalo.sender import LATER, RETRY, SENT

log = logging.getLogger(__name__)

# The drain deletes an outbox when it pops the event; the TTL only bounds one whose event was lost.
OUTBOX_TTL_SECONDS = 7 * 24 * 3600
RESCHEDULE_SECONDS = 600.0


class EventProcessor:
    def __init__(self, client: redis.Redis, settings: Settings, services: Services,
                 dispatch: Callable[[Context], list[Any]]) -> None:
        self.redis = client
        self.settings = settings
        self.services = services
        self.dispatch = dispatch
        self.followers = FollowerRegistry(client, settings)
        self.aliases = AliasStore(client, settings)
        self.office = OfficeConfigStore(client, settings)
        self.profiles = ProfileStore(client, settings)
        self.closures = ClosureStore(client, settings)

    def _outbox_key(self, event: Event) -> str:
        return Keys(self.settings).outbox(event.identity)

    def handle(self, event: Event, keep_alive: Callable[[], None]) -> None:
        if event.is_echo and not event.is_staff_echo:
            return  # our own messages coming back: never answer them
        user = event.user_id
        if user == OA_WIDE:
            return  # an event about no citizen (or with no sender): there is nobody to answer
        # One round trip: the messaging window (re)opened, the outbox of an earlier attempt if any, and what
        # handling a text would ask next: the version of the officials' aliases (the matcher's), the
        # version of the office settings (the matcher's and the answers') and the receipt the bot asked an
        # ID for (the dossier handler's), whether the citizen's Zalo profile is known (the profile hook's) and
        # the desk's declared closures (the office answers', which look twice).
        pipe = self.redis.pipeline(transaction=False)
        if event.is_interaction:
            self.followers.queue_touch(pipe, user, event.timestamp_ms / 1000)
        pipe.get(self._outbox_key(event))
        self.aliases.queue_version(pipe)
        self.office.queue_version(pipe)
        pipe.get(awaiting_key(self.settings, user))
        self.profiles.queue_known(pipe, user)
        self.closures.queue_all(pipe)
        *_, stored, alias_version, office_version, awaiting, profile, closures = execute_idempotent(pipe)
        with self.services.alias_version_known(AliasStore.version_of(alias_version)), \
                office_version_known(self.settings, OfficeConfigStore.version_of(office_version)), \
                self.closures.closures_known(closures):
            messages, claimed = self._outbox(event, stored, {AWAITING_ID: text_or_none(awaiting),
                                                             PROFILE_KNOWN: ProfileStore.known_of(profile)})
        delivery = self.services.sender.send_rendered(user, messages, event.identity, before_each=keep_alive,
                                                      first_claimed=claimed)
        if delivery.status != SENT:
            if delivery.status == RETRY and delivery.error is not None:
                raise delivery.error
            if delivery.status == LATER:
                raise RetryLater(RESCHEDULE_SECONDS) from delivery.error
            return  # permanent (recorded by the client)
        log.info("event handled", extra={"event": event.name, "user": hash_user(user, self.settings),
                                         "messages": len(messages)})

    def _outbox(self, event: Event, stored: bytes | None,
                known: dict[str, str | None]) -> tuple[list[dict[str, Any]], bool]:
        """The event's messages (stored by an earlier attempt, else computed and stored now), and whether
        the first one's send was claimed with them."""
        key = self._outbox_key(event)
        if stored is not None:
            return list(json.loads(stored)), False
        # The handlers' deferred writes (transcript, statistics: each once per event), the outbox and the first
        # message's send claim, in one round trip before anything is sent.
        writes = self.redis.pipeline(transaction=False)
        ctx = Context(event=event, redis=self.redis, settings=self.settings,
                      now=datetime.now(UTC), services=self.services, writes=writes, known=known)
        replies = self.dispatch(ctx)  # statistics are counted by the router's after hook
        messages = self.services.sender.render(replies)
        writes.set(key, json.dumps(messages, ensure_ascii=False), ex=OUTBOX_TTL_SECONDS)
        claim = self.services.sender.queue_first_claim(writes, event.identity) if messages else None
        previous = execute_idempotent(writes)[-1]
        return messages, claim is not None and text_or_none(previous) in (None, claim)

    def apologise(self, event: Event, reason: str) -> None:
        """After an event is dead-lettered, tell the citizen (best effort) rather than stay silent."""
        if event.is_echo or event.user_id == OA_WIDE or event.name != "user_send_text":
            return
        if not self.services.sender.send(event.user_id, [Reply(SORRY_BUSY)], f"{event.identity}:sorry").ok:
            log.warning("apology not sent", extra={"reason": reason})
