"""The router: one registry, matching without side effects, groups in order, after hooks once."""

from __future__ import annotations

import ast
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

import handlers
from bot.config import ROOT, Settings
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.ingress.events import Event
from bot.services import Services
from handlers.router import Group, Route, Router
from tests.helpers import text_event

NOW = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)
OA = "4024926008133882615"


def _zalo_events(user: str) -> list[dict[str, Any]]:
    """Every kind of event Zalo documents (shapes from its webhook reference, see zalo-oa-api.md §1)."""
    base = {"app_id": "123", "timestamp": "1725608725618", "sender": {"id": user}, "recipient": {"id": OA}}
    texts = ["", "  ", "#menu", "#", "#nope x", "#rate T1 5", "gặp cán bộ", "mấy giờ làm việc",
             "có thông báo gì không", "2", "làm giấy khai sinh", "H56.14-240823-0001", "hủy thông báo"]
    events = [text_event(user, text) for text in texts]
    events += [{**base, "event_name": name, "message": {"msg_id": uuid.uuid4().hex, "attachments": [
        {"type": name.removeprefix("user_send_"), "payload": {"url": "https://zalo.example/x"}}]}}
        for name in ("user_send_image", "user_send_sticker", "user_send_file", "user_send_location")]
    events += [
        {"oa_id": OA, "follower": {"id": user}, "event_name": "follow", "source": "oa_profile",
         "app_id": "123", "timestamp": "1725608725618"},
        {"oa_id": OA, "follower": {"id": user}, "event_name": "unfollow", "app_id": "123",
         "timestamp": "1725608725619"},
        {**base, "event_name": "user_withdraw"},
        {**base, "event_name": "user_seen_message", "message": {"msg_ids": ["m1"]}},
        {**base, "event_name": "user_reacted_message", "message": {"msg_id": "m1", "react_icon": "/-heart"}},
        {"app_id": "123", "timestamp": "1725608725620", "event_name": "oa_send_text",
         "sender": {"id": OA, "admin_id": "admin-7"}, "recipient": {"id": user},
         "message": {"msg_id": uuid.uuid4().hex, "text": "Dạ, cán bộ xin trả lời"}},
    ]
    return events


def _ctx(client: redis.Redis, settings: Settings, raw: dict[str, Any]) -> Context:
    return Context(Event(raw), client, settings, NOW, Services(client, settings))


def test_matching_touches_no_state(redis_client: redis.Redis, settings: Settings) -> None:
    """Asking every route "is this yours?" about every documented event writes nothing to Redis."""
    before = redis_client.dbsize()
    for raw in _zalo_events("u-match"):
        ctx = _ctx(redis_client, settings, raw)
        for route in handlers.router.routes:
            route.matches(ctx)
        assert ctx.notes == {}
    assert redis_client.dbsize() == before


def test_groups_run_in_order_and_the_wiring_is_one_list() -> None:
    groups = [route.group for route in handlers.router.routes]
    assert groups == sorted(groups)
    assert groups[0] is Group.GATE and groups[-1] is Group.FALLBACK
    names = [route.name for route in handlers.router.routes if route.group is Group.TEXT]
    # The dossier look-up must see typed text before the matcher (a receipt is never a procedure).
    assert names.index("text:handlers.dossier.handle_dossier_text") < names.index(
        "text:handlers.procedures.on_question")
    # One command registry: the dossier's buttons live in it with everyone else's.
    assert {"menu", "proc", "staff", "alerts", "area", "dossier", "dossier_help"} <= handlers.router.commands


def test_every_event_gets_an_answer_or_silence(redis_client: redis.Redis, settings: Settings) -> None:
    for raw in _zalo_events("u-all"):
        ctx = _ctx(redis_client, settings, raw)
        replies = handlers.dispatch(ctx)
        assert isinstance(replies, list) and all(isinstance(r, Reply) for r in replies)
        if ctx.event.name not in ("user_send_text", "follow") and not ctx.event.name.startswith("user_send_"):
            assert replies == [], ctx.event.name  # withdraw, seen, reactions, echoes: nothing to say


def _reply(text: str) -> list[Reply]:
    return [Reply(text)]


def test_first_answer_wins_a_declining_handler_passes_and_after_hooks_run_once(
        redis_client: redis.Redis, settings: Settings) -> None:
    seen: list[tuple[str, int]] = []
    router = Router(unknown_command=lambda ctx, args: _reply("unknown"))
    router.on_text(lambda ctx, text: _reply("late"), group=Group.FALLBACK, name="late")
    router.on_text(lambda ctx, text: None, name="declines")  # looked, declined
    router.on_text(lambda ctx, text: _reply(f"shout {text}"), when=str.isupper, name="shout")
    router.on_command("hi", lambda ctx, args: _reply("hello " + " ".join(args)))
    router.after(lambda ctx, replies: seen.append((ctx.text, len(replies))))

    def say(text: str) -> str:
        return " | ".join(r.text for r in router.dispatch(_ctx(redis_client, settings, text_event("u", text))))

    assert say("  ABC ") == "shout ABC"
    assert say("abc") == "late"
    assert say("#hi there") == "hello there"
    assert say("#bye") == "unknown"
    assert say("ABC") == "shout ABC"
    assert len(seen) == 5


def test_a_name_registered_twice_is_refused() -> None:
    router = Router(unknown_command=lambda ctx, args: [])
    router.on_command("hi", lambda ctx, args: [])
    with pytest.raises(ValueError):
        router.on_command("hi", lambda ctx, args: [])
    router.add(Route("gate", Group.GATE, lambda ctx: True, lambda ctx: []))
    with pytest.raises(ValueError):
        router.add(Route("gate", Group.GATE, lambda ctx: True, lambda ctx: []))


def _hidden_commands_in_source() -> dict[str, str]:
    """Every "#name" a string in bot/ or handlers/ starts with (button payloads), docstrings aside."""
    found: dict[str, str] = {}
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                node = node.values[0]
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                match = re.match(r"#([a-z_]+)(?:\s|$)", node.value)
                if match:
                    found.setdefault(match.group(1), path.relative_to(ROOT).as_posix())
    return found


def test_every_button_payload_has_a_registered_command() -> None:
    found = _hidden_commands_in_source()
    assert {"menu", "proc", "staff", "dossier"} <= set(found)  # the scan sees the buttons
    unknown = {name: path for name, path in found.items() if name not in handlers.router.commands}
    # "#rate <ticket> <score>" is the handoff gate's: a rating counts even while a ticket is open.
    assert unknown == {"rate": "bot/tickets/wording.py"}
