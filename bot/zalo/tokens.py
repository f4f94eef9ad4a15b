"""The OA access token, kept in Redis and refreshed once at a time across every process.

Refresh tokens are single-use: a second refresh with the same token kills the OA's session.
So a refresh happens under a Redis lock, re-checks that nobody refreshed meanwhile, and
stores the new pair in one HSET (atomic) before releasing the lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
import requests

from bot.config import Settings
from bot.ops.metrics import observe_token_refresh
from bot.stores.lock import Lock
from bot.stores.values import text_hash
from bot.zalo.errors import Outcome, TokenRefreshFailed
from bot.zalo.http import zalo_session

# Refresh ahead of expiry (tokens live about 25 h; refreshing around 20 h leaves room).
REFRESH_AHEAD_SECONDS = 5 * 3600
LOCK_TTL_SECONDS = 30
# How long a process reuses the pair it read: a broadcast sends hundreds of messages a second, and
# a pair replaced by another process meanwhile only costs one -216 and a re-read.
CACHE_SECONDS = 5.0
# The admin's alerts list (a refused token refresh): the newest this many.
ALERTS_MAX = 100


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: float
    version: int


class TokenStore:
    def __init__(
        self,
        client: redis.Redis,
        settings: Settings,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = client
        self.settings = settings
        self.session = session or zalo_session(settings)
        self.clock = clock
        self.key = f"{settings.key_prefix}zalo:tokens"
        self.lock_key = f"{settings.key_prefix}zalo:tokens:lock"
        self.refresh_count_key = f"{settings.key_prefix}zalo:tokens:refreshes"
        self._cached: TokenPair | None = None
        self._cached_at = 0.0

    def current(self, fresh: bool = False) -> TokenPair:
        if not fresh and self._cached is not None and time.monotonic() - self._cached_at < CACHE_SECONDS:
            return self._cached
        data = text_hash(self.redis.hgetall(self.key))
        if not data:
            self._seed_from_settings()
            data = text_hash(self.redis.hgetall(self.key))
        pair = TokenPair(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            expires_at=float(data.get("expires_at", "0")),
            version=int(data.get("version", "0")),
        )
        self._cached, self._cached_at = pair, time.monotonic()
        return pair

    def _seed_from_settings(self) -> None:
        # One HSET under EXISTS in a script: the first process seeds the whole pair at once, and no
        # reader ever sees half of it. Unknown expiry of the configured token: assume fresh (Zalo
        # says -220 if not).
        self.redis.eval(
            "if redis.call('exists', KEYS[1]) == 0 then "
            "redis.call('hset', KEYS[1], 'access_token', ARGV[1], 'refresh_token', ARGV[2], "
            "'expires_at', ARGV[3], 'version', 0) end return 1",
            1, self.key, self.settings.zalo_access_token, self.settings.zalo_refresh_token, self.clock() + 90000,
        )

    def access_token(self) -> str:
        """The token to use now, refreshed first when it is about to expire."""
        pair = self.current()
        if pair.expires_at - self.clock() < REFRESH_AHEAD_SECONDS and pair.refresh_token:
            try:
                return self.refresh(pair.access_token).access_token
            except TokenRefreshFailed:
                return pair.access_token  # still valid for a while; the admin has been alerted
        return pair.access_token

    def refresh(self, stale_access_token: str, wait_seconds: float = 35.0) -> TokenPair:
        """Replace `stale_access_token`, unless another process already did."""
        deadline = time.monotonic() + wait_seconds
        lock = Lock(self.redis, self.lock_key, LOCK_TTL_SECONDS)
        while not lock.acquire():
            if time.monotonic() > deadline:
                raise TokenRefreshFailed(None, "timed out waiting for another refresh", Outcome.RETRY)
            time.sleep(0.05)
            pair = self.current(fresh=True)
            if pair.access_token != stale_access_token:
                return pair
        try:
            pair = self.current(fresh=True)
            if pair.access_token != stale_access_token:
                return pair  # refreshed by someone else between our failure and the lock
            return self._call_refresh(pair)
        finally:
            lock.release()  # only our own lock: one that expired meanwhile is someone else's

    @observe_token_refresh
    def _call_refresh(self, pair: TokenPair) -> TokenPair:
        try:
            response = self.session.post(
                f"{self.settings.zalo_oauth_base}/v4/oa/access_token",
                headers={"secret_key": self.settings.zalo_app_secret},
                data={
                    "app_id": self.settings.zalo_app_id,
                    "grant_type": "refresh_token",
                    "refresh_token": pair.refresh_token,
                },
                timeout=self.settings.zalo_timeout_seconds,
            )
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise TokenRefreshFailed(None, f"refresh request failed: {type(exc).__name__}", Outcome.RETRY) from exc
        if not body.get("access_token") or not body.get("refresh_token"):
            alerts = f"{self.settings.key_prefix}alerts"
            pipe = self.redis.pipeline()
            pipe.lpush(alerts, f"token refresh refused: {body.get('error')} {body.get('error_name', '')}")
            pipe.ltrim(alerts, 0, ALERTS_MAX - 1)  # a refused refresh repeats: the newest are enough
            pipe.execute()
            raise TokenRefreshFailed(
                int(body.get("error") or -1), str(body.get("error_reason") or body), Outcome.CONFIG
            )
        new = self.store_pair(body["access_token"], body["refresh_token"], body.get("expires_in"))
        self.redis.incr(self.refresh_count_key)
        return new

    def store_pair(self, access_token: str, refresh_token: str, expires_in: str | float | None) -> TokenPair:
        """Store a new pair (from a refresh or the admin's authorisation) in one HSET, bumping the version.

        The version is read and written inside one script, so concurrent writers never reuse a number
        and no reader sees half a pair.
        """
        expires_at = self.clock() + float(expires_in or 90000)
        version = self.redis.eval(
            "local v = tonumber(redis.call('hget', KEYS[1], 'version') or '0') + 1 "
            "redis.call('hset', KEYS[1], 'access_token', ARGV[1], 'refresh_token', ARGV[2], "
            "'expires_at', ARGV[3], 'version', v) return v",
            1, self.key, access_token, refresh_token, repr(expires_at),
        )
        new = TokenPair(access_token, refresh_token, expires_at, int(version))
        self._cached, self._cached_at = new, time.monotonic()
        return new
