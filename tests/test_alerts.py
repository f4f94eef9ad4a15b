"""Citizens: active announcements for their area, choosing an area, opting out of ordinary notices."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap import announcement_from_dict
from bot.broadcasts.store import BroadcastStore
from bot.config import VIETNAM
from bot.conversation.context import Context
from bot.ingress.events import Event
from handlers.alerts import alerts_command, area_command, handle_alerts_text, is_alerts_question
from tests.broadcast_helpers import add_followers, announcement_json


def ctx_for(redis_client, settings, user_id: str = "8001") -> Context:
    event = Event({"event_name": "user_send_text", "sender": {"id": user_id}, "timestamp": str(int(time.time() * 1000)),
                   "message": {"msg_id": "m1", "text": "x"}})
    return Context(event=event, redis=redis_client, settings=settings, now=datetime.now(VIETNAM), services=None)


def publish(redis_client, settings, **changes) -> str:
    store = BroadcastStore(redis_client, settings)
    broadcast = store.create(announcement_from_dict(announcement_json(**changes), load_areas()), "chutich")
    store.update(broadcast.id, status="sending")
    store.publish(store.get(broadcast.id))
    return broadcast.id


@pytest.mark.parametrize("text", ["có thông báo gì không", "Co thong bao gi khong?", "bão", "dịch", "bão lũ",
                                  "có bão không", "cảnh báo"])
def test_recognised(text: str) -> None:
    assert is_alerts_question(text)


@pytest.mark.parametrize("text", ["thông báo lưu trú", "dịch vụ công", "bao lâu thì có giấy khai sinh",
                                  "làm giấy khai sinh"])
def test_not_hijacking_procedure_questions(text: str) -> None:
    assert not is_alerts_question(text)


def test_active_announcements_for_the_citizens_area(redis_client, settings) -> None:
    add_followers(redis_client, settings, ["8001"], area="ap-1")
    ctx = ctx_for(redis_client, settings)
    assert "Hiện không có thông báo khẩn" in handle_alerts_text(ctx, "có thông báo gì không")[0].text
    publish(redis_client, settings, headline="Lũ ở Ấp 2", target=["ap-2"])
    everyone = publish(redis_client, settings, headline="Bão số 3 đổ bộ")
    texts = [r.text for r in handle_alerts_text(ctx, "bão")]
    assert any("Bão số 3 đổ bộ" in t for t in texts) and not any("Lũ ở Ấp 2" in t for t in texts)
    # An update replaces the original; an all-clear removes both.
    update = publish(redis_client, settings, headline="Bão số 3 suy yếu", msg_type="Update", references=[everyone])
    texts = [r.text for r in alerts_command(ctx, [])]
    assert any("Bão số 3 suy yếu" in t for t in texts) and not any("Bão số 3 đổ bộ" in t for t in texts)
    publish(redis_client, settings, msg_type="Cancel", references=[update], instruction="", description="")
    assert "Hiện không có thông báo khẩn" in alerts_command(ctx, [])[0].text


def test_choose_area_and_opt_out(redis_client, settings) -> None:
    add_followers(redis_client, settings, ["8001"])
    ctx = ctx_for(redis_client, settings)
    menu = area_command(ctx, [])[0]
    assert [b.payload for b in menu.buttons][:2] == ["#area ap-1", "#area ap-2"]
    assert "Ấp Bình An" in area_command(ctx, ["ap-binh-an"])[0].text
    assert redis_client.hget(f"{settings.key_prefix}follower:8001", "area") == b"ap-binh-an"
    assert "vẫn nhận cảnh báo khẩn cấp" in alerts_command(ctx, ["off"])[0].text
    assert redis_client.hget(f"{settings.key_prefix}follower:8001", "alerts_opt_out") == b"1"
