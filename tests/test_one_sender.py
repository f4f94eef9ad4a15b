"""Every message to a citizen leaves through the one sender (bot.zalo.sender): no module outside the
Zalo package calls the client's send methods or renders Zalo messages itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEND_METHODS = {"send_message", "send_template", "send_zns"}
RENDERERS = {"render_reply", "render_replies", "render_button"}


def project_modules() -> list[Path]:
    return sorted(p for folder in ("bot", "handlers") for p in (ROOT / folder).rglob("*.py"))


def outside_the_zalo_package(path: Path) -> bool:
    return (ROOT / "bot" / "zalo") not in path.parents


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SEND_METHODS:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls .{node.func.attr}()")
        if isinstance(node, ast.ImportFrom) and node.module == "bot.zalo.messages":
            names = {alias.name for alias in node.names} & RENDERERS
            if names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} renders Zalo messages itself ({names})")
    return found


def test_only_the_sender_calls_zalos_send_methods() -> None:
    modules = [p for p in project_modules() if outside_the_zalo_package(p)]
    assert len(modules) > 50, "the scan found the project's modules"
    assert [o for path in modules for o in offences(path)] == []


def test_the_scan_sees_a_send_call() -> None:
    """The check itself works: the sender (inside the package) is where the calls are."""
    sender = offences(ROOT / "bot" / "zalo" / "sender.py")
    assert any("send_message" in o for o in sender) and any("send_template" in o for o in sender)
