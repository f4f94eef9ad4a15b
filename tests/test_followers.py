"""The follower registry: follow/unfollow events, withdrawal, and the sync from Zalo's list."""

from __future__ import annotations

import redis
from click.testing import CliRunner

from bot.app import create_app
from bot.config import Settings
from bot.stores.followers import FollowerRegistry
from tests.conftest import RunningSandbox


def test_follow_unfollow_and_withdraw(redis_client: redis.Redis, settings: Settings) -> None:
    registry = FollowerRegistry(redis_client, settings)
    registry.follow("1", source="oa_profile")
    registry.follow("2")
    assert registry.count() == 2 and registry.get("1")["status"] == "following"
    registry.unfollow("1")
    assert not registry.is_following("1") and registry.get("1")["status"] == "gone"
    registry.forget("2")
    assert registry.get("2") == {} and registry.count() == 0


def test_a_non_followers_record_expires_with_the_messaging_window(redis_client: redis.Redis,
                                                                 settings: Settings) -> None:
    registry = FollowerRegistry(redis_client, settings)
    window = settings.interaction_window_days * 24 * 3600
    registry.touch("writer")  # wrote to the OA without following
    registry.set_area("writer", "thon-1")
    assert 0 < redis_client.ttl(f"{settings.key_prefix}follower:writer") <= window
    registry.follow("writer")  # a follower's record stays
    registry.touch("writer")
    assert redis_client.ttl(f"{settings.key_prefix}follower:writer") == -1
    assert registry.get("writer")["area"] == "thon-1"
    registry.unfollow("writer")  # and goes with the window once they leave
    assert 0 < redis_client.ttl(f"{settings.key_prefix}follower:writer") <= window


def test_sync_pages_through_zalos_follower_list(zalo_settings: Settings, sandbox: RunningSandbox,
                                                redis_client: redis.Redis) -> None:
    sandbox.control("POST", "/_sandbox/followers/bulk", json={"count": 137, "prefix": "77"})
    sandbox.create_user("Không theo dõi", follower=False)
    app = create_app(zalo_settings)
    result = CliRunner().invoke(app.cli, ["followers", "sync"], catch_exceptions=False)
    assert "synced 137 followers" in result.output
    assert FollowerRegistry(redis_client, zalo_settings).count() == 137
    pages = sum(n for path, n in sandbox.stats()["calls"].items() if "getlist" in path)
    assert pages == 3  # 50 + 50 + 37
