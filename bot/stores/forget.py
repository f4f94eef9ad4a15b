"""`forget_citizen`: everything a citizen who withdrew (Zalo's `user_withdraw`) leaves behind, removed.

What stays is listed in the README's retention table (and flagged `kept_after_withdraw` in the key
families): counts without ids, and short-lived queue and send records that expire by themselves.
"""

from __future__ import annotations

import redis

from bot.broadcasts.checkins import CheckinStore
from bot.config import Settings
from bot.dossiers.subscriptions import Subscriptions
from bot.dossiers.verify import Verifier
from bot.stores.conversation import Conversation
from bot.stores.followers import FollowerRegistry
from bot.stores.phones import PhoneStore
from bot.stores.profiles import ProfileStore
from bot.tickets.store import TicketStore
from bot.tickets.transcript import CitizenTranscript


def forget_citizen(client: redis.Redis, settings: Settings, user_id: str) -> None:
    FollowerRegistry(client, settings).forget(user_id)
    PhoneStore(client, settings).forget(user_id)
    Subscriptions(client, settings).forget(user_id)
    Verifier(client, settings, settings.dossier).forget(user_id)
    Conversation(client, settings).forget(user_id)
    CitizenTranscript(client, settings).forget(user_id)
    TicketStore(client, settings).forget_citizen(user_id)
    CheckinStore(client, settings).forget(user_id)
    ProfileStore(client, settings).forget(user_id)
