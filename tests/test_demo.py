"""What the demo gives a newcomer: a console login (stored hashed), a sample dossier to look up, a
`flask` environment file; and users created from the command line land in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis
from flask import Flask

from bot.app import create_app
from bot.broadcasts.audit import AuditLog
from bot.config import Settings
from bot.console.users import UserStore
from bot.devtools import stack
from bot.devtools.demo_seed import seed_demo
from bot.dossiers.store import RedisDossierStore


def test_the_demo_seeds_an_admin_once_and_a_dossier(redis_client: redis.Redis, settings: Settings) -> None:
    seed = seed_demo(redis_client, settings)
    users = UserStore(redis_client, settings)
    assert seed.password and users.verify(seed.admin, seed.password) is not None
    assert seed.password.encode() not in b"".join(redis_client.hvals(f"{settings.key_prefix}console:user:{seed.admin}"))
    assert RedisDossierStore(redis_client, settings).get(seed.receipt) is not None
    again = seed_demo(redis_client, settings)  # a restarted demo keeps the admin and prints no password
    assert again.password == "" and again.admin == seed.admin
    assert [e.action for e in AuditLog(redis_client, settings).recent()].count("user.create") == 1


def test_demo_env_names_redis_and_the_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "var" / "demo.env"
    monkeypatch.setattr(stack, "DEMO_ENV", target)
    stack.write_demo_env({"REDIS_URL": "redis://127.0.0.1:7001/0", "ZALO_API_BASE": "http://127.0.0.1:8090",
                          "PATH": "/usr/bin", "ZALO_OA_SECRET_KEY": "s3"})
    text = target.read_text(encoding="utf-8")
    assert "REDIS_URL=redis://127.0.0.1:7001/0" in text and "ZALO_API_BASE=" in text and "PATH" not in text
    assert target.stat().st_mode & 0o077 == 0


def test_users_created_from_the_command_line_are_audited(settings: Settings) -> None:
    app: Flask = create_app(settings)
    result = app.test_cli_runner().invoke(args=["user", "create", "canbo9", "--role", "staff",
                                                "--password", "mat-khau-dai-1"])
    assert result.exit_code == 0, result.output
    entry = AuditLog(app.config["REDIS"], settings).recent(1)[0]
    assert (entry.action, entry.subject, entry.detail) == ("user.create", "user:canbo9", "staff")
    assert entry.actor.startswith("dòng lệnh")


def test_favicon(settings: Settings) -> None:
    response = create_app(settings).test_client().get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
