"""user_withdraw forgets a citizen: every key family is declared, and none keeps the citizen after it."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import redis
from cryptography.fernet import Fernet

from bot.config import Settings
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.validation import parse_dossier
from bot.ingress.events import parse_event
from bot.logs import hash_user
from bot.queue.processing import EventProcessor
from bot.services import Services
from bot.stores.keys import KeyFamily
from bot.stores.registry import FAMILIES, family_of
from bot.stores.statistics import STATS_TZ
from handlers import dispatch
from tests.conftest import RunningSandbox
from tests.helpers import text_event

RECEIPT = "H56.14-240823-0001"
OTHER_RECEIPT = "H56.14-240823-0002"
APPLICANT = "079203001234"


def _event(user: str, name: str, **fields: object) -> dict:
    return {"app_id": "123", "event_name": name, "timestamp": str(int(time.time() * 1000)), **fields}


def _mentions(client: redis.Redis, key: bytes, needles: tuple[bytes, ...]) -> bool:
    """Whether the key's name or anything stored in it names the citizen."""
    kind = client.type(key).decode()
    parts: list[bytes] = [key]
    if kind == "string":
        parts.append(client.get(key) or b"")
    elif kind == "hash":
        for field, value in client.hgetall(key).items():
            parts += [field, value]
    elif kind in ("set",):
        parts += list(client.smembers(key))
    elif kind == "zset":
        parts += [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
    elif kind == "list":
        parts += client.lrange(key, 0, -1)
    elif kind == "stream":
        parts += [repr(entry).encode() for entry in client.xrange(key)]
    return any(needle in part for part in parts for needle in needles)


@pytest.fixture
def processor(zalo_settings: Settings, redis_client: redis.Redis) -> EventProcessor:
    secret = zalo_settings.dossier.id_secret  # the settings' (read once), which the handler checks against
    for receipt in (RECEIPT, OTHER_RECEIPT):
        record = parse_dossier(receipt, {
            "procedure_name": "Đăng ký khai sinh", "applicant_id": APPLICANT, "status": 4,
            "received_at": "2024-08-23T08:30:00+07:00", "due_at": "2099-09-20T16:00:00+07:00",
            "return_method": "desk"}, secret, require_applicant=True)
        RedisDossierStore(redis_client, zalo_settings).upsert(record, datetime.now(UTC))
    # Phone numbers are kept only with an encryption key: set one, so the walk meets the phone family.
    settings = replace(zalo_settings, reach=replace(zalo_settings.reach,
                                                    phone_encryption_key=Fernet.generate_key().decode()))
    services = Services(redis_client, settings)
    services.zalo.sleep = lambda _: None  # type: ignore[method-assign]
    return EventProcessor(redis_client, settings, services, dispatch)


def test_after_withdraw_no_key_names_the_citizen_except_those_kept_by_design(
    processor: EventProcessor, zalo_settings: Settings, sandbox: RunningSandbox, redis_client: redis.Redis
) -> None:
    user = sandbox.create_user()

    def says(text: str) -> None:
        processor.handle(parse_event(text_event(user, text, msg_id=uuid.uuid4().hex)), lambda: None)

    processor.handle(parse_event(_event(user, "follow", follower={"id": user}, source="oa_qr")), lambda: None)
    says("làm giấy khai sinh cần giấy tờ gì")  # a question answered
    says("giấy tờ đất")  # a question asked back (clarify)
    says("1")  # the pick
    says("trợ cấp")  # asked back again, and left unanswered
    says("xyzzy qwerty")  # not understood
    says("#area")  # the alerts area menu
    says("#alerts off")
    says(f"hồ sơ {RECEIPT} của em sao rồi")  # dossier look-up: the bot asks for the id
    says("0792 0300 1234")
    says(f"#dossier {RECEIPT} subscribe")
    says(OTHER_RECEIPT)
    says("0792 0300 9999")  # a wrong id: counted against this citizen, and the bot asks again
    processor.handle(parse_event(_event(user, "user_submit_info", sender={"id": user}, info={
        "name": "Nguyễn Văn An", "phone": "0912345678"})), lambda: None)  # a phone number shared
    processor.handle(parse_event(_event(user, "user_send_audio", sender={"id": user}, message={
        "msg_id": uuid.uuid4().hex, "attachments": [{"type": "audio", "payload": {
            "url": "https://voice-talk.zadn.vn/a.aac"}}]})), lambda: None)  # "please type" once an hour
    says("gặp cán bộ")  # a ticket
    says("em cần hỏi về hộ khẩu 0912345678")
    named_before = _families_naming(redis_client, zalo_settings, user)
    # The walk reached every store that keeps something about a citizen.
    assert {
        "follower:*", "followers:active", "clarify:*", "handoff:context:*", "handoff:msgseq:*",
        "handoff:transcript:*", "ticket:*", "ticket:user:*", "dossier:fails:user:*", "dossier:await:*",
        "dossier:links:*", "dossier:user-links:*", "dossier:subs:*", "dossier:user-subs:*", "profile:*",
        "phone:*", "notice:*",
    } <= named_before.keys(), sorted(named_before)

    processor.handle(parse_event(_event(user, "user_withdraw", sender={"id": user})), lambda: None)

    named_after = _families_naming(redis_client, zalo_settings, user)
    left = {pattern: keys for pattern, keys in named_after.items() if not _family(pattern).kept_after_withdraw}
    assert not left, f"keys still naming the withdrawn citizen: {left}"
    assert not {p for p in named_after if p != "sent:*"}, "only Zalo's send records (8 days) may stay"
    # Counts without ids stay: the statistics of what they asked.
    assert redis_client.exists(f"{zalo_settings.key_prefix}stats:day:{datetime.now(UTC).astimezone(STATS_TZ).date()}")


def test_every_key_belongs_to_a_declared_family_and_per_citizen_ones_say_so() -> None:
    patterns = [family.pattern for family in FAMILIES]
    assert len(patterns) == len(set(patterns))
    assert family_of("follower:42").pattern == "follower:*"
    assert family_of("ticket:user:42").pattern == "ticket:user:*"
    assert family_of("ticket:7:log").pattern == "ticket:*:log"
    assert family_of("nothing:here") is None
    # A family kept after a withdrawal must be one that names citizens (else the flag means nothing).
    assert all(family.per_citizen for family in FAMILIES if family.kept_after_withdraw)


def _family(pattern: str) -> KeyFamily:
    return next(family for family in FAMILIES if family.pattern == pattern)


def _families_naming(client: redis.Redis, settings: Settings, user: str) -> dict[str, list[str]]:
    """Family pattern → keys whose name or content names the citizen; fails on an undeclared key."""
    prefix = settings.key_prefix
    needles = (user.encode(), hash_user(user, settings).encode())
    found: dict[str, list[str]] = {}
    undeclared = []
    for key in client.scan_iter(f"{prefix}*"):
        name = key.decode()[len(prefix):]
        family = family_of(name)
        if family is None:
            undeclared.append(name)
        elif _mentions(client, key, needles):
            assert family.per_citizen, f"{name} names a citizen, but {family.pattern} says it holds no citizen data"
            found.setdefault(family.pattern, []).append(name)
    assert not undeclared, f"keys no store declares: {undeclared}"
    return found
