"""Import boundaries and layering rules, checked on the source:
- the ingress answers Zalo within 2 seconds and never sends, so importing it must not load the Zalo client
  or an HTTP client library;
- the matcher and the answer composition are pure: importing them loads no I/O library;
- handlers do not touch Redis: they hand `ctx.redis` to a store (bot/stores or the feature's package).
(Only the one sender calls Zalo's send methods: tests/test_one_sender.py.)"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from bot.config import ROOT

IO_LIBRARIES = {"requests", "redis", "rq", "flask"}


def loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_the_ingress_loads_neither_the_zalo_client_nor_requests() -> None:
    loaded = loaded_after_import("bot.ingress.webhook")
    assert "bot.ingress.webhook" in loaded
    assert not {"bot.zalo.client", "requests"} & loaded


def test_the_matcher_and_the_answers_load_no_io_library() -> None:
    for module in ("bot.procedures.matcher", "bot.procedures.procedure_reply"):
        loaded = loaded_after_import(module)
        assert module in loaded
        assert not IO_LIBRARIES & {name.split(".")[0] for name in loaded}, module


def redis_offences(source: str, where: str) -> list[str]:
    """Imports of redis, and any use of an object's `.redis` other than handing it on to a call
    (`Store(ctx.redis, ...)` is fine; `ctx.redis.get(...)` or `r = ctx.redis` is not)."""
    tree = ast.parse(source, where)
    handed_on = {
        id(arg)
        for node in ast.walk(tree) if isinstance(node, ast.Call)
        for arg in (*node.args, *(k.value for k in node.keywords))
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "redis" for a in node.names):
            found.append(f"{where}:{node.lineno} imports redis")
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "redis":
            found.append(f"{where}:{node.lineno} imports from redis")
        if isinstance(node, ast.Attribute) and node.attr == "redis" and id(node) not in handed_on:
            found.append(f"{where}:{node.lineno} uses .redis directly")
    return found


def test_handlers_do_not_touch_redis() -> None:
    modules = sorted((ROOT / "handlers").glob("*.py"))
    assert len(modules) > 5, "the scan found the handlers"
    found = [o for p in modules for o in redis_offences(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert found == []


def test_the_redis_scan_sees_direct_use() -> None:
    """The check itself works: on a handler that reads a key by hand, and on one that uses a store."""
    by_hand = "import redis\n\ndef on(ctx):\n    r = ctx.redis\n    return ctx.redis.get('k')\n"
    assert len(redis_offences(by_hand, "by_hand.py")) == 3
    with_store = "def on(ctx):\n    return Store(ctx.redis, ctx.settings).get(client=ctx.redis)\n"
    assert redis_offences(with_store, "with_store.py") == []
