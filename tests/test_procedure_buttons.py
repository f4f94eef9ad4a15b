"""The answer's buttons through the real text router and Redis: pages, cases, the police office."""

from __future__ import annotations

from datetime import UTC, datetime

import redis

import handlers
from bot.config import Settings
from bot.conversation.context import Context
from bot.ingress.events import Event
from bot.services import Services
from handlers.router import Group

NOW = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)


def _say(client: redis.Redis, settings: Settings, text: str) -> list:
    event = Event({"event_name": "user_send_text", "sender": {"id": "u1"}, "message": {"text": text}})
    ctx = Context(event, client, settings, NOW, Services(client, settings))
    replies = handlers.router.first_answer(ctx, Group.COMMAND)
    assert replies is not None
    return replies


def test_pages_cases_and_offices_through_the_router(redis_client: redis.Redis, settings: Settings) -> None:
    first = _say(redis_client, settings, "#proc 1.004222 docs")
    assert len(first) <= 2 and "(trang 1/" in first[0].text
    second = _say(redis_client, settings, "#proc 1.004222 docs 2")
    assert len(second) <= 2 and "(trang 2/" in second[0].text
    [case] = _say(redis_client, settings, "#proc 1.004222 case 2")
    assert "Trường hợp 2" in case.text
    [police] = _say(redis_client, settings, "#proc 1.014061")
    assert "📍 Nơi nộp: Công an xã" in police.text and "Trụ sở Công an xã" in police.text
    [odd] = _say(redis_client, settings, "#proc 1.001193 nonsense")
    assert odd.text.startswith("📄") and "ngày không viết" in odd.text  # the first answer, with the desk
    late = _say(redis_client, settings, "#proc 1.001193 docs 99")  # past the end: the last page
    assert len(late) <= 2 and "Nguồn: Cổng DVC quốc gia" in late[-1].text
    assert "Xem tiếp" not in [b.title for b in late[-1].buttons]
