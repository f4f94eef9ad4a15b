"""Every key family, in one list: what each store declares, plus the queue's and the Zalo client's.

The forget test walks Redis after a withdrawal and checks every key against this list; the README's
retention table says the same in words.
"""

from __future__ import annotations

from bot.broadcasts import audit
from bot.broadcasts import store as broadcasts
from bot.console import users as console_users
from bot.dossiers import store as dossiers
from bot.dossiers import subscriptions, verify
from bot.ops import heartbeat
from bot.queue import event_inbox
from bot.stores import aliases, conversation, followers, phones, statistics
from bot.stores.keys import KeyFamily
from bot.tenants import province
from bot.tenants import registry as tenants
from bot.tickets import outgoing, transcript
from bot.tickets import store as tickets

# Keys of modules the outbound sender and the runtime are being rebuilt around (bot/queue/processing.py,
# bot/zalo/, bot/queue/jobs.py, the push and fan-out loops): declared here until they own a store module.
_PLUMBING = (
    KeyFamily("outbox:*", per_citizen=False, kept="7 days (an event's computed replies, by event digest)"),
    KeyFamily("sent:*", per_citizen=True, kept="8 days (Zalo's answer to a send names the recipient)",
              kept_after_withdraw=True),
    KeyFamily("zalo:claimed:*", per_citizen=False, kept="8 days (message id → send)"),
    KeyFamily("zalo:failures", per_citizen=True, kept="last 10,000; hashed ids", kept_after_withdraw=True),
    KeyFamily("zalo:tokens", per_citizen=False, kept="the OA's token pair"),
    KeyFamily("zalo:tokens:lock", per_citizen=False, kept="30 seconds"),
    KeyFamily("zalo:tokens:refreshes", per_citizen=False, kept="a counter"),
    KeyFamily("zalo:oauth:state:*", per_citizen=False, kept="the admin's authorisation, minutes"),
    KeyFamily("alerts", per_citizen=False, kept="alerts for the admin"),
    KeyFamily("drains:delayed", per_citizen=True, kept="until the delayed drain runs", kept_after_withdraw=True),
    KeyFamily("dossier:push-delayed", per_citizen=False, kept="receipts to push later"),
    KeyFamily("dossier:push-lock:*", per_citizen=False, kept="2 minutes"),
    KeyFamily("webhook:deadletter", per_citizen=False, kept="last 1,000; 7 days; no body"),
    KeyFamily("periodic:*", per_citizen=False, kept="seconds"),
    KeyFamily("capfeed:*", per_citizen=False, kept="a CAP feed's poll state"),
    KeyFamily("api:tokens", per_citizen=False, kept="API tokens (hashed)"),
)

FAMILIES: tuple[KeyFamily, ...] = (
    *followers.KEY_FAMILIES,
    *phones.KEY_FAMILIES,
    *conversation.KEY_FAMILIES,
    *event_inbox.KEY_FAMILIES,
    *statistics.KEY_FAMILIES,
    *tickets.KEY_FAMILIES,
    *outgoing.KEY_FAMILIES,
    *transcript.KEY_FAMILIES,
    *dossiers.KEY_FAMILIES,
    *subscriptions.KEY_FAMILIES,
    *verify.KEY_FAMILIES,
    *broadcasts.KEY_FAMILIES,
    *audit.KEY_FAMILIES,
    *aliases.KEY_FAMILIES,
    *console_users.KEY_FAMILIES,
    *heartbeat.KEY_FAMILIES,
    *tenants.KEY_FAMILIES,
    *province.KEY_FAMILIES,
    *_PLUMBING,
)


def family_of(name: str) -> KeyFamily | None:
    """The family a key (without the prefix) belongs to; the most specific pattern wins."""
    matching = [family for family in FAMILIES if family.matches(name)]
    return max(matching, key=lambda family: len(family.pattern), default=None)
