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


def test_sync_reaches_every_follower_past_zalos_offset_limit(zalo_settings: Settings, sandbox: RunningSandbox,
                                                            redis_client: redis.Redis) -> None:
    """20,000 followers: twice what one listing reaches (offset ≤ 9,951), listed by interaction period."""
    sandbox.control("POST", "/_sandbox/followers/bulk", json={"count": 20_000, "prefix": "88", "spread_days": 90})
    sandbox.create_user("Không theo dõi", follower=False)
    registry = FollowerRegistry(redis_client, zalo_settings)
    registry.follow("99000", at=1.0)  # unfollowed while no event reached us: Zalo no longer lists them
    assert sandbox.thread is not None
    zalo_ids = {citizen.user_id for citizen in sandbox.thread.sandbox.state.followers()}
    assert len(zalo_ids) == 20_000
    app = create_app(zalo_settings)
    result = CliRunner().invoke(app.cli, ["followers", "sync"], catch_exceptions=False)
    assert "synced 20000 followers (20000 new, 1 gone" in result.output, result.output
    assert set(registry.active_ids()) == zalo_ids
    assert registry.get("99000")["status"] == "gone"
    # Exact again from events: an unfollow and a new follow after the sync.
    registry.unfollow(sorted(zalo_ids)[0])
    registry.follow("99001")
    assert registry.count() == 20_000
