"""Every key family, in one list: what each store declares, plus the queue's and the Zalo client's.

The forget test walks Redis after a withdrawal and checks every key against this list; the README's
retention table says the same in words.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from bot.broadcasts import audit, checkins
from bot.broadcasts import store as broadcasts
from bot.console import users as console_users
from bot.dossiers import store as dossiers
from bot.dossiers import subscriptions, verify
from bot.office import closures
from bot.ops import heartbeat
from bot.queue import event_inbox
from bot.stores import aliases, conversation, followers, office_config, phones, profiles, statistics
from bot.stores.keys import KeyFamily
from bot.tenants import province
from bot.tenants import registry as tenants
from bot.tickets import outgoing, transcript
from bot.tickets import store as tickets

# Keys of modules the outbound sender and the runtime are being rebuilt around (bot/queue/processing.py,
# bot/zalo/, bot/queue/jobs.py, the push and fan-out loops): declared here until they own a store module.
_PLUMBING = (
    KeyFamily("sent:*", per_citizen=True, kept="8 days (Zalo's answer to a send names the recipient)",
              kept_after_withdraw=True),
    KeyFamily("zalo:claimed:*", per_citizen=False, kept="8 days (message id → send)"),
    KeyFamily("zalo:failures", per_citizen=True, kept="last 10,000; hashed ids", kept_after_withdraw=True),
    KeyFamily("zalo:tokens", per_citizen=False, kept="the OA's token pair"),
    KeyFamily("zalo:tokens:lock", per_citizen=False, kept="30 seconds"),
    KeyFamily("zalo:tokens:refreshes", per_citizen=False, kept="a counter"),
    KeyFamily("zalo:oauth:state:*", per_citizen=False, kept="the admin's authorisation, minutes"),
    KeyFamily("alerts", per_citizen=False, kept="alerts for the admin, the last 100"),
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
    *checkins.KEY_FAMILIES,
    *closures.KEY_FAMILIES,
    *audit.KEY_FAMILIES,
    *aliases.KEY_FAMILIES,
    *office_config.KEY_FAMILIES,
    *profiles.KEY_FAMILIES,
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

# Every other key expires or is deleted by its owner. These live without a TTL, each bounded by
# something other than traffic: the followers, the staff, the broadcasts, a fixed cap.
PERMANENT: dict[str, str] = {
    "follower:*": "one hash per follower (a non-follower's expires)",
    "followers:active": "the followers",
    "zalo:tokens": "one hash",
    "zalo:tokens:refreshes": "a counter",
    "zalo:failures": "capped at 10,000",
    "alerts": "capped at 100",
    "api:tokens": "one hash per API token",
    "console:*": "staff accounts",
    "audit": "capped at 100,000",
    "aliases:extra": "officials' aliases",
    "aliases:version": "a counter",
    "bc:*": "one hash per broadcast",
    "bc:*:n": "counts, per broadcast",
    "bc:*:cap": "the CAP message, per broadcast",
    "bc:cap:*": "one id per CAP message",
    "bc:index": "the broadcasts",
    "bc:live": "announcements until they expire",
    "tickets:version": "a counter",
    "tickets:seq": "a counter",
    "stats:handled": "texts officials dealt with",
    "dossier:*": "one record per dossier the one-stop system sent",
    "dossier:*:log": "per dossier",
    "capfeed:*": "one per configured CAP feed",
}
# rq's own bookkeeping (outside the key prefix): sets of live workers and queues.
RQ_PERMANENT = ("rq:queues", "rq:workers", "rq:workers:*")


def permanent_family(name: str) -> bool:
    """Whether a key (rq's, or ours without the prefix) may live without a TTL."""
    if any(fnmatchcase(name, pattern) for pattern in RQ_PERMANENT):
        return True
    family = family_of(name)
    return family is not None and family.pattern in PERMANENT
