"""Escalation triggers, the handoff gate, staff echoes, reopening and ratings (handlers on a real Redis)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import redis

import handlers
from bot.config import Settings
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.ingress.events import Event
from bot.tickets.escalation import (
    asks_for_person,
    asks_to_end,
    find_receipt,
    is_courtesy,
    is_dossier_complaint,
)
from bot.tickets.model import OPEN, PENDING, RESOLVED
from bot.tickets.store import TicketStore
from handlers import handoff
from handlers.router import Group
from tests.helpers import text_event

# Monday 4 May 2026, 09:00 in Hanoi: the desk is open.
MONDAY_9AM = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
CATALOGUE = {"1.001193": SimpleNamespace(code="1.001193", name="Đăng ký khai sinh")}
SERVICES: Any = SimpleNamespace(catalogue=SimpleNamespace(get=CATALOGUE.get))


def gate(ctx: Context) -> list[Reply] | None:
    """The router's before hooks and gate group only: what happens before any feature sees the message."""
    handlers.router.prepare(ctx)
    return handlers.router.first_answer(ctx, Group.GATE)


class Citizen:
    """One citizen talking to the handlers: builds events and contexts, runs gate → handler."""

    def __init__(self, client: redis.Redis, settings: Settings, now: datetime = MONDAY_9AM) -> None:
        self.redis, self.settings, self.now = client, settings, now
        self.user_id = uuid.uuid4().hex[:12]

    def ctx(self, raw: dict[str, Any], notes: dict[str, str] | None = None) -> Context:
        return Context(
            event=Event(raw),
            redis=self.redis,
            settings=self.settings,
            now=self.now,
            services=SERVICES,
            notes=dict(notes or {}),
        )

    def text(self, text: str) -> Context:
        return self.ctx(text_event(self.user_id, text))

    def media(self, kind: str = "image") -> Context:
        raw = text_event(self.user_id, "")
        raw["event_name"] = f"user_send_{kind}"
        raw["message"] = {
            "msg_id": uuid.uuid4().hex,
            "attachments": [{"type": kind, "payload": {"url": "https://zalo.example/a.jpg"}}],
        }
        return self.ctx(raw)

    def staff_echo(self, text: str) -> Context:
        raw = text_event(self.user_id, text)
        raw["event_name"] = "oa_send_text"
        raw["sender"], raw["recipient"] = {"id": "oa", "admin_id": "admin-7"}, {"id": self.user_id}
        return self.ctx(raw)

    def says(self, text: str, notes: dict[str, str] | None = None, router: Any = None) -> list[Reply] | None:
        """The gate, then (if it let the message through) `router` or the escalation handlers."""
        ctx = self.ctx(text_event(self.user_id, text), notes)
        replies = gate(ctx)
        if replies is None:
            if text.startswith("#staff"):
                replies = handoff.staff_command(ctx, text.split()[1:])
            elif router is not None:
                replies = router(ctx, text)
            elif handoff.asks_for_staff(text):
                replies = handoff.on_text(ctx, text)
        handoff.record_bot_replies(ctx, replies or [])
        return replies


@pytest.fixture
def store(redis_client: redis.Redis, settings: Settings) -> TicketStore:
    return TicketStore(redis_client, settings)


@pytest.fixture
def citizen(redis_client: redis.Redis, settings: Settings) -> Citizen:
    return Citizen(redis_client, settings)


# -- detection (pure) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Gặp cán bộ",
        "gap can bo",
        "cho tôi nói chuyện với người",
        "cho toi noi chuyen voi nguoi that",
        "nhân viên ơi",
        "nhan vien",
        "Tôi muốn nói chuyện với cán bộ xã",
        "hỏi cán bộ giúp em",
    ],
)
def test_words_that_ask_for_a_person(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "đăng ký khai sinh cần giấy tờ gì",
        "hồ sơ khai sinh gồm những gì",
        "cán bộ tư pháp hộ tịch xác nhận giấy độc thân cho người nước ngoài ở đâu vậy",
    ],
)
def test_ordinary_questions_do_not_ask_for_a_person(text: str) -> None:
    assert not asks_for_person(text)


def test_end_courtesy_receipt_and_complaints() -> None:
    assert (
        asks_to_end("Kết thúc")
        and asks_to_end("ket thuc a")
        and not asks_to_end("kết thúc hồ sơ thế nào rồi ạ")
    )
    assert (
        is_courtesy("Cảm ơn em nhé") and is_courtesy("ok") and not is_courtesy("cảm ơn, còn giấy khai sinh?")
    )
    assert find_receipt("hồ sơ h56.14 – 240823 - 0001 ạ") == "H56.14-240823-0001"
    assert find_receipt("mã 000.00.06.H56-231027-0361") == "000.00.06.H56-231027-0361"
    assert find_receipt("số BHXH 03706/2026/07906") == ""
    assert is_dossier_complaint("hồ sơ H56.14-240823-0001 quá hạn rồi sao chưa trả")
    assert is_dossier_complaint("ho so cua toi tre hen 2 tuan roi")
    assert not is_dossier_complaint("H56.14-240823-0001")
    assert not is_dossier_complaint("hồ sơ đăng ký kết hôn gồm những gì")


# -- escalation triggers --------------------------------------------------------------------------


def test_words_open_a_ticket_with_the_recent_conversation(citizen: Citizen, store: TicketStore) -> None:
    bot_answer = [Reply("Dạ, thủ tục Đăng ký khai sinh cần: tờ khai, giấy chứng sinh.")]
    citizen.says("làm giấy khai sinh", notes={"procedure": "1.001193"}, router=lambda ctx, text: bot_answer)
    replies = citizen.says("cho tôi nói chuyện với người")
    ticket = store.active_for(citizen.user_id)
    assert ticket is not None and ticket.status == OPEN and ticket.reason == "words"
    assert (ticket.procedure_code, ticket.procedure_name) == ("1.001193", "Đăng ký khai sinh")
    assert replies and "đã chuyển câu hỏi" in replies[0].text and "10:00 hôm nay" in replies[0].text
    log = [(e.who, e.text) for e in store.log(ticket.id)]
    assert log[:3] == [
        ("citizen", "làm giấy khai sinh"),
        ("bot", bot_answer[0].text),
        ("citizen", "cho tôi nói chuyện với người"),
    ]
    assert ("bot", replies[0].text + "\n[Kết thúc hỗ trợ]") in log  # the confirmation joins the ticket


def test_staff_button_with_procedure_and_dossier(
    citizen: Citizen, store: TicketStore, redis_client: redis.Redis, settings: Settings
) -> None:
    citizen.says("#staff 1.001193")
    ticket = store.active_for(citizen.user_id)
    assert ticket and (ticket.reason, ticket.procedure_code) == ("button", "1.001193")
    assert any(e.text == "[bấm nút] #staff 1.001193" for e in store.log(ticket.id))
    other = Citizen(redis_client, settings)
    other.says("#staff dossier H56.14-240823-0001")
    ticket = store.active_for(other.user_id)
    assert ticket and (ticket.reason, ticket.receipt) == ("dossier", "H56.14-240823-0001")


def test_dossier_complaint_opens_a_ticket(citizen: Citizen, store: TicketStore) -> None:
    citizen.says("hồ sơ h56.14-240823-0001 quá hạn 1 tuần rồi sao chưa trả")
    ticket = store.active_for(citizen.user_id)
    assert ticket and (ticket.reason, ticket.receipt) == ("dossier", "H56.14-240823-0001")


def test_two_fallbacks_in_a_row_escalate(citizen: Citizen, store: TicketStore) -> None:
    def router(ctx: Context, text: str) -> list[Reply]:
        if text.startswith("?"):  # stands for "the matcher found nothing"
            if handoff.note_fallback(ctx):
                return handoff.escalate(ctx, "fallback")
            return [Reply("Dạ, em chưa hiểu.")]
        return [Reply("Dạ, đây là câu trả lời.")]

    citizen.says("? xyz", router=router)
    citizen.says("làm sổ đỏ", router=router)  # an understood message breaks the streak
    citizen.says("? abc", router=router)
    assert store.active_for(citizen.user_id) is None
    citizen.says("? def", router=router)
    ticket = store.active_for(citizen.user_id)
    assert ticket is not None and ticket.reason == "fallback"


def test_the_same_message_retried_counts_once(citizen: Citizen, settings: Settings) -> None:
    ctx = citizen.text("? xyz")
    gate(ctx)
    assert not handoff.note_fallback(ctx)
    assert not handoff.note_fallback(citizen.ctx(ctx.event.raw))  # a worker retry of the same event


def test_at_night_the_citizen_is_told_the_next_morning(redis_client: redis.Redis, settings: Settings) -> None:
    night = Citizen(redis_client, settings, now=datetime(2026, 5, 4, 14, 0, tzinfo=UTC))  # 21:00 in Hanoi
    replies = night.says("gặp cán bộ")
    assert (
        replies and "ngoài giờ làm việc" in replies[0].text and "ngày mai (thứ Ba, 05/05)" in replies[0].text
    )


# -- the gate -------------------------------------------------------------------------------------


def test_gate_off_without_a_ticket(citizen: Citizen) -> None:
    assert gate(citizen.text("làm giấy khai sinh")) is None
    assert gate(citizen.media()) is None
    assert (
        gate(citizen.ctx({**text_event(citizen.user_id, ""), "event_name": "follow"})) is None
    )


def commands_run(client: redis.Redis) -> int:
    return sum(int(v["calls"]) for v in client.info("commandstats").values())


def test_with_no_ticket_the_gate_asks_redis_nothing(citizen: Citizen, redis_client: redis.Redis) -> None:
    """The citizen's ticket ids are read with the arrival's bookkeeping (one script): the gate itself
    sends Redis nothing when no ticket is open (the INFO calls are the only commands counted)."""
    ctx = citizen.text("làm giấy khai sinh")
    handlers.router.prepare(ctx)
    before = commands_run(redis_client)
    assert handoff.handoff_gate(ctx) is None
    assert commands_run(redis_client) - before == 1  # the first INFO


def test_gate_forwards_everything_to_the_open_ticket(citizen: Citizen, store: TicketStore) -> None:
    citizen.says("gặp cán bộ")
    ticket = store.active_for(citizen.user_id)
    assert ticket is not None
    assert gate(citizen.text("em hỏi về giấy khai sinh")) == []
    assert gate(citizen.text("#menu")) == []  # even buttons: staff own the chat
    assert gate(citizen.media("image")) == []
    log = store.log(ticket.id)
    assert log[-1].attachments == [{"type": "image", "url": "https://zalo.example/a.jpg", "name": ""}]
    assert log[-1].text == "[Ảnh]"
    assert [e.text for e in log if e.who == "citizen"][-3:-1] == [
        "em hỏi về giấy khai sinh",
        "[bấm nút] #menu",
    ]


def test_staff_echo_joins_the_transcript_and_counts_as_a_response(
    citizen: Citizen, store: TicketStore
) -> None:
    citizen.says("gặp cán bộ")
    ticket = store.active_for(citizen.user_id)
    assert ticket is not None
    assert gate(citizen.staff_echo("Dạ, em là cán bộ một cửa, Anh/Chị cần gì ạ?")) == []
    ticket = store.get(ticket.id)
    assert ticket and ticket.status == PENDING and ticket.first_response_at is not None
    assert store.log(ticket.id)[-1].author == "Zalo OA (admin-7)"
    gate(citizen.text("dạ em cần làm khai sinh"))
    assert store.get(ticket.id).status == OPEN  # type: ignore[union-attr]


def test_end_closes_politely_and_asks_for_a_rating(citizen: Citizen, store: TicketStore) -> None:
    citizen.says("gặp cán bộ")
    ticket_id = store.active_for(citizen.user_id).id  # type: ignore[union-attr]
    replies = citizen.says("Kết thúc")
    assert replies and "đã kết thúc" in replies[0].text
    assert [b.payload for b in replies[0].buttons] == [f"#rate {ticket_id} {n}" for n in (5, 4, 3, 2, 1)]
    assert store.get(ticket_id).status == RESOLVED  # type: ignore[union-attr]
    assert gate(citizen.text("#menu")) is None  # the gate is off again


def test_ratings_are_stored_for_the_citizens_own_resolved_ticket(
    citizen: Citizen, store: TicketStore, redis_client: redis.Redis, settings: Settings
) -> None:
    citizen.says("gặp cán bộ")
    ticket_id = store.active_for(citizen.user_id).id  # type: ignore[union-attr]
    citizen.says("kết thúc")
    stranger = Citizen(redis_client, settings)
    assert "không còn hiệu lực" in stranger.says(f"#rate {ticket_id} 1")[0].text  # type: ignore[index]
    assert "cảm ơn" in citizen.says(f"#rate {ticket_id} 4")[0].text  # type: ignore[index]
    ticket = store.get(ticket_id)
    assert ticket and ticket.rating == 4 and ticket.rated_at is not None
    assert "không còn hiệu lực" in citizen.says(f"#rate {ticket_id} 9")[0].text  # type: ignore[index]
    assert "không còn hiệu lực" in citizen.says(f"#rate {ticket_id} ²")[0].text  # type: ignore[index]


def test_writing_again_soon_reopens_but_thanks_do_not(citizen: Citizen, store: TicketStore) -> None:
    citizen.says("gặp cán bộ")
    ticket_id = store.active_for(citizen.user_id).id  # type: ignore[union-attr]
    store.resolve(ticket_id, citizen.now, "staff-a")
    assert (
        citizen.says("cảm ơn em nhé", router=lambda ctx, text: [Reply("Dạ, không có gì ạ.")])[0].text
        == "Dạ, không có gì ạ."
    )  # type: ignore[index]
    assert store.get(ticket_id).status == RESOLVED  # type: ignore[union-attr]
    citizen.now += timedelta(minutes=10)
    replies = citizen.says("à cho em hỏi thêm, bản sao có cần công chứng không?")
    assert replies and "đã chuyển tin nhắn" in replies[0].text
    ticket = store.get(ticket_id)
    assert ticket and ticket.status == OPEN and ticket.reopened == 1
    assert store.log(ticket_id)[-2].text == "à cho em hỏi thêm, bản sao có cần công chứng không?"


def test_no_reopen_after_the_window(citizen: Citizen, store: TicketStore, settings: Settings) -> None:
    citizen.says("gặp cán bộ")
    ticket_id = store.active_for(citizen.user_id).id  # type: ignore[union-attr]
    store.resolve(ticket_id, citizen.now, "staff-a")
    citizen.now += timedelta(minutes=settings.ticket_reopen_window_minutes + 1)
    assert gate(citizen.text("cho em hỏi thủ tục khác")) is None
    assert store.get(ticket_id).status == RESOLVED  # type: ignore[union-attr]
