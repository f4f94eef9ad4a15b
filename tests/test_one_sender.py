"""Every message to a citizen leaves through the one sender (bot.zalo.sender): no other module calls the
client's send methods (every `send_*` method ZaloClient has) or renders Zalo messages itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDERERS = {"render_reply", "render_replies", "render_button"}


def client_send_methods() -> set[str]:
    """The `send_*` methods of bot.zalo.client.ZaloClient, read from its source (so a new one is covered)."""
    tree = ast.parse((ROOT / "bot" / "zalo" / "client.py").read_text(encoding="utf-8"))
    client = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "ZaloClient")
    return {n.name for n in client.body if isinstance(n, ast.FunctionDef) and n.name.startswith("send_")}


SEND_METHODS = client_send_methods()
ALLOWED = {ROOT / "bot" / "zalo" / "sender.py", ROOT / "bot" / "zalo" / "client.py"}


def project_modules() -> list[Path]:
    return sorted(p for folder in ("bot", "handlers") for p in (ROOT / folder).rglob("*.py"))


def outside_the_zalo_package(path: Path) -> bool:
    return (ROOT / "bot" / "zalo") not in path.parents


def test_the_client_has_send_methods() -> None:
    assert {"send_message", "send_template"} <= SEND_METHODS


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


def test_inside_the_zalo_package_only_the_sender_calls_them() -> None:
    modules = [p for p in project_modules() if not outside_the_zalo_package(p) and p not in ALLOWED]
    assert [o for path in modules for o in offences(path) if "calls ." in o] == []


def test_the_scan_sees_a_send_call() -> None:
    """The check itself works: the sender (inside the package) is where the calls are."""
    sender = offences(ROOT / "bot" / "zalo" / "sender.py")
    assert any("send_message" in o for o in sender) and any("send_template" in o for o in sender)
