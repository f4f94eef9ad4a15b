"""The runtime: each process builds its own and hands it on; nothing is cached behind its back."""

from __future__ import annotations

import pytest
import redis

import bot.queue.jobs
from bot.app import create_app
from bot.config import Settings
from bot.runtime import Runtime, bound, current


def test_each_app_builds_its_own_runtime(settings: Settings) -> None:
    first, second = create_app(settings), create_app(settings)
    assert first.extensions["runtime"] is not second.extensions["runtime"]
    runtime = first.extensions["runtime"]
    assert runtime.settings is first.config["SETTINGS"] and runtime.queue is first.config["QUEUE"]
    assert not hasattr(bot.queue.jobs, "runtime"), "no process-wide cached runtime"


def test_jobs_find_the_worker_runtime_only_while_it_is_bound(redis_client: redis.Redis, settings: Settings) -> None:
    with pytest.raises(RuntimeError, match=r"bot\.queue\.worker"):
        current()
    runtime = Runtime.build(settings, redis_client)
    with bound(runtime):
        assert current() is runtime and current().sender is runtime.services.sender
    with pytest.raises(RuntimeError):
        current()


def test_the_dossier_settings_are_part_of_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSSIER_TEMPLATE_ID", "tpl-42")
    monkeypatch.setenv("DOSSIER_VERIFY_LAST_DIGITS", "4")
    settings = Settings.from_env()
    assert (settings.dossier.template_id, settings.dossier.verify_last_digits) == ("tpl-42", 4)
    assert hash(settings)  # still usable as a cache key
