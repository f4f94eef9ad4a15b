"""The conversation: receipt → id → status; lockout; no leaks; subscribe and "Hủy thông báo"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.config import DossierConfig, Settings
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.subscriptions import Subscriptions
from bot.dossiers.validation import parse_dossier
from bot.ingress.events import Event
from bot.services import Services
from tests.dossier_helpers import dossier_text

RECEIPT = "H56.14-240823-0001"
APPLICANT = "079203001234"
NOW = datetime(2024, 9, 1, 3, 0, tzinfo=UTC)
CONFIG = DossierConfig(id_secret="test-secret", verify_max_attempts=3, verify_lock_seconds=900)


@pytest.fixture
def store(redis_client: redis.Redis, settings: Settings) -> RedisDossierStore:
    store = RedisDossierStore(redis_client, settings)
    record = parse_dossier(
        RECEIPT,
        {
            "procedure_name": "Đăng ký khai sinh",
            "applicant_id": APPLICANT,
            "status": 4,
            "received_at": "2024-08-23T08:30:00+07:00",
            "due_at": "2024-09-20T16:00:00+07:00",
            "return_method": "desk",
        },
        CONFIG.id_secret,
        require_applicant=True,
    )
    store.upsert(record, NOW)
    return store


def say(
    client: redis.Redis,
    settings: Settings,
    user: str,
    text: str,
    config: DossierConfig = CONFIG,
    now: datetime = NOW,
) -> list[Reply] | None:
    event = Event({"event_name": "user_send_text", "sender": {"id": user}, "message": {"text": text}})
    ctx = Context(event=event, redis=client, settings=settings, now=now, services=Services(client, settings))
    return dossier_text(ctx, text, config)


def text_of(replies: list[Reply] | None) -> str:
    assert replies is not None
    return "\n".join(r.text for r in replies)


def test_receipt_then_id_shows_the_status(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    asked = text_of(say(redis_client, settings, "u1", "hồ sơ h56.14 – 240823 – 0001 của em sao rồi"))
    assert "số định danh cá nhân" in asked and "12 chữ số" in asked and RECEIPT in asked
    status = text_of(say(redis_client, settings, "u1", "0792 0300 1234"))
    assert "Trạng thái: Đang xử lý" in status
    assert APPLICANT not in status and "1234" not in status.replace(RECEIPT, "")
    # Linked now: the receipt alone shows the status again.
    assert "Trạng thái: Đang xử lý" in text_of(say(redis_client, settings, "u1", RECEIPT))
    assert Subscriptions(redis_client, settings).is_linked(RECEIPT, "u1")
    # Another citizen with the same receipt still has to verify.
    assert "số định danh" in text_of(say(redis_client, settings, "u2", RECEIPT))


def test_unknown_receipt_gets_the_same_prompt_and_the_same_refusal(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    unknown = "H56.14-240823-0999"
    known_prompt = text_of(say(redis_client, settings, "u1", RECEIPT))
    unknown_prompt = text_of(say(redis_client, settings, "u2", unknown))
    assert known_prompt.replace(RECEIPT, "X") == unknown_prompt.replace(unknown, "X")
    known_refusal = text_of(say(redis_client, settings, "u1", "079203009999"))
    unknown_refusal = text_of(say(redis_client, settings, "u2", APPLICANT))
    assert known_refusal.replace(RECEIPT, "X") == unknown_refusal.replace(unknown, "X")
    assert "còn 2 lần thử" in known_refusal


def test_lockout_per_citizen_then_expiry(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    say(redis_client, settings, "u1", RECEIPT)
    for _ in range(2):
        assert "chưa khớp" in text_of(say(redis_client, settings, "u1", "111111111111"))
    locked = text_of(say(redis_client, settings, "u1", "111111111111"))
    assert "tạm khóa trong 15 phút" in locked
    # Even the right id is refused while locked; the lock is the citizen's own, not the receipt's.
    assert "tạm khóa" in text_of(say(redis_client, settings, "u1", RECEIPT))
    assert "tạm khóa" not in text_of(say(redis_client, settings, "u9", RECEIPT))
    for key in redis_client.keys(f"{settings.key_prefix}dossier:lock:*"):
        redis_client.delete(key)  # the lock's expiry, without waiting 15 minutes
    say(redis_client, settings, "u1", RECEIPT)
    assert "Trạng thái" in text_of(say(redis_client, settings, "u1", APPLICANT))


def test_strangers_cannot_lock_the_owner_out_but_their_guessing_slows_down(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    """Five strangers each send one wrong id: the receipt is never locked; guesses past the free ones
    must wait a growing gap, so several accounts guessing one receipt still get nowhere fast."""
    for user in ("a", "b", "c", "d", "e"):
        say(redis_client, settings, user, RECEIPT)
        reply = text_of(say(redis_client, settings, user, "222222222222"))
        assert "tạm khóa" not in reply
    say(redis_client, settings, "f", RECEIPT)
    slowed = text_of(say(redis_client, settings, "f", "333333333333"))
    assert "đợi" in slowed and "giây" in slowed and "tạm khóa" not in slowed
    # The owner is not locked out: at worst asked to wait a few seconds, then the right id works.
    assert "số định danh" in text_of(say(redis_client, settings, "owner", RECEIPT))
    assert "đợi" in text_of(say(redis_client, settings, "owner", APPLICANT))
    for key in redis_client.keys(f"{settings.key_prefix}dossier:slow:*"):
        redis_client.delete(key)  # the gap's expiry, without waiting
    assert "Trạng thái" in text_of(say(redis_client, settings, "owner", APPLICANT))
    # Verified: the receipt's count starts again, so the next citizen is not slowed by the past.
    say(redis_client, settings, "g", RECEIPT)
    assert "chưa khớp" in text_of(say(redis_client, settings, "g", "444444444444"))


def test_the_receipt_gap_grows_with_each_guess_up_to_a_cap(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    from bot.dossiers.verify import Verifier

    config = DossierConfig(id_secret="test-secret", verify_max_attempts=3, verify_receipt_gap_seconds=2,
                           verify_receipt_max_gap_seconds=60)
    verifier = Verifier(redis_client, settings, config)
    gaps = []
    for n in range(12):
        redis_client.delete(f"{settings.key_prefix}dossier:slow:receipt:{RECEIPT}")
        verifier.check(f"guesser-{n}", RECEIPT, "555555555555", store)
        gaps.append(redis_client.pttl(f"{settings.key_prefix}dossier:slow:receipt:{RECEIPT}"))
    assert gaps[:3] == [-2, -2, -2]  # the first three guesses are free
    assert 1000 < gaps[3] <= 2000 and 3000 < gaps[4] <= 4000 and 7000 < gaps[5] <= 8000
    assert all(50_000 < gap <= 60_000 for gap in gaps[9:])


def test_last_digits_mode(redis_client: redis.Redis, settings: Settings, store: RedisDossierStore) -> None:
    config = replace(CONFIG, verify_last_digits=4)
    assert "4 chữ số cuối" in text_of(say(redis_client, settings, "u1", RECEIPT, config))
    assert "đúng 4 chữ số cuối" in text_of(say(redis_client, settings, "u1", APPLICANT, config))
    assert "Trạng thái" in text_of(say(redis_client, settings, "u1", "1234", config))


def test_other_text_while_waiting_goes_to_other_handlers(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    say(redis_client, settings, "u1", RECEIPT)
    assert say(redis_client, settings, "u1", "làm giấy khai sinh cần gì") is None
    assert "Trạng thái" in text_of(say(redis_client, settings, "u1", APPLICANT))
    assert say(redis_client, settings, "u1", "1234567") is None  # nothing awaited any more


def test_unrelated_text_is_not_ours(redis_client: redis.Redis, settings: Settings) -> None:
    for text in ("xin chào", "1.001193", "03706/2026/07906", "0912345678", "#proc 1.001193"):
        assert say(redis_client, settings, "u1", text) is None


def test_subscribe_and_unsubscribe(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    # Subscribing before verifying asks for the id first.
    assert "số định danh" in text_of(say(redis_client, settings, "u1", f"#dossier {RECEIPT} subscribe"))
    say(redis_client, settings, "u1", APPLICANT)
    assert "em sẽ nhắn" in text_of(say(redis_client, settings, "u1", f"#dossier {RECEIPT} subscribe"))
    subscriptions = Subscriptions(redis_client, settings)
    assert subscriptions.last_pushed(RECEIPT) == {"u1": 1}
    shown = say(redis_client, settings, "u1", RECEIPT)
    assert shown and shown[0].buttons[0].title == "Hủy thông báo"
    assert "dừng gửi thông báo" in text_of(say(redis_client, settings, "u1", "Huỷ thông báo"))
    assert not subscriptions.is_subscribed(RECEIPT, "u1")
    # With nothing to cancel, "Hủy thông báo" is left to others (emergency alerts).
    assert say(redis_client, settings, "u1", "hủy thông báo") is None
    say(redis_client, settings, "u1", f"#dossier {RECEIPT} subscribe")
    assert "dừng gửi" in text_of(say(redis_client, settings, "u1", f"#dossier {RECEIPT} unsubscribe"))


def test_overdue_status_after_the_due_date(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    say(redis_client, settings, "u1", RECEIPT)
    late = NOW + timedelta(days=30)
    assert "Phiếu xin lỗi" in text_of(say(redis_client, settings, "u1", APPLICANT, now=late))


def test_help_command(redis_client: redis.Redis, settings: Settings) -> None:
    assert "mã hồ sơ" in text_of(say(redis_client, settings, "u1", "#dossier_help"))


def test_applicant_id_is_never_stored_in_clear(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    say(redis_client, settings, "u1", RECEIPT)
    say(redis_client, settings, "u1", APPLICANT)
    for key in redis_client.keys("*"):
        kind = redis_client.type(key).decode()
        values = {
            "string": lambda k: [redis_client.get(k)],
            "list": lambda k: redis_client.lrange(k, 0, -1),
            "hash": lambda k: list(redis_client.hgetall(k).values()),
            "set": lambda k: list(redis_client.smembers(k)),
        }.get(kind, lambda k: [])(key)
        for value in values:
            assert APPLICANT.encode() not in (value or b"")


def test_user_withdraw_forgets_dossier_links_and_subscriptions(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    from handlers.follow import on_withdraw

    say(redis_client, settings, "u-leaving", RECEIPT)
    say(redis_client, settings, "u-leaving", APPLICANT)
    subscriptions = Subscriptions(redis_client, settings)
    subscriptions.subscribe(RECEIPT, "u-leaving", 1)
    event = Event({"event_name": "user_withdraw", "sender": {"id": "u-leaving"}, "timestamp": "1"})
    on_withdraw(Context(event=event, redis=redis_client, settings=settings, now=NOW,
                        services=Services(redis_client, settings)))
    assert not subscriptions.is_linked(RECEIPT, "u-leaving")
    assert not subscriptions.is_subscribed(RECEIPT, "u-leaving") and subscriptions.receipts_of("u-leaving") == []
    assert not [k for k in redis_client.keys(f"{settings.key_prefix}dossier:user-*")]


def test_asking_after_a_dossier_without_its_number_is_asked_for_it(
    redis_client: redis.Redis, settings: Settings, store: RedisDossierStore
) -> None:
    asked = text_of(say(redis_client, settings, "u9", "hồ sơ của em nộp tuần trước đến đâu rồi ạ"))
    assert "mã hồ sơ" in asked and "H56.14-240823-0001" in asked
    assert say(redis_client, settings, "u9", "hồ sơ khai sinh gồm những gì") is None  # the matcher's
    # A complaint about one's dossier is left to the staff handoff (handlers/handoff.py), which runs next.
    assert say(redis_client, settings, "u9", "ho so cua toi tre hen 2 tuan roi") is None
