"""The Zalo OA HTTP client: sends with retries, token refresh and idempotency keys.

Zalo answers failures with HTTP 200 and an `error` code in the body, so every answer is
classified by code (bot.zalo.errors). Every send carries an idempotency key: once a key has
succeeded, sending it again returns the first result without calling Zalo, so a retried job
never sends a message twice.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
import requests

from bot.config import Settings
from bot.logs import hash_user
from bot.zalo.errors import Outcome, TokenRefreshFailed, ZaloError, classify
from bot.zalo.tokens import TokenStore

log = logging.getLogger(__name__)

SENT_TTL_SECONDS = 8 * 24 * 3600


class ZaloClient:
    def __init__(
        self,
        client: redis.Redis,
        settings: Settings,
        session: requests.Session | None = None,
        max_attempts: int = 3,
        backoff_seconds: tuple[float, ...] = (0.3, 1.0, 2.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.redis = client
        self.settings = settings
        self.session = session or requests.Session()
        self.tokens = TokenStore(client, settings, self.session)
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.prefix = settings.key_prefix

    # -- public API -------------------------------------------------------------------------

    def send_message(self, user_id: str, message: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Send one consultation message (POST /v3.0/oa/message/cs); returns Zalo's `data`."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        return self._send_once("/v3.0/oa/message/cs", body, user_id, idempotency_key)

    def send_template(
        self, user_id: str, template_id: str, template_data: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """A pre-approved template message by user id, for citizens outside the 7-day window."""
        body = {"user_id": user_id, "template_id": template_id, "template_data": template_data}
        return self._send_once("/v3.0/oa/message/template", body, user_id, idempotency_key)

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """A GET with Zalo's `data=<JSON>` parameter convention; returns the whole body."""
        return self._call("GET", path, params={"data": json.dumps(params, separators=(",", ":"))})

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", path, json_body=body)

    # -- internals --------------------------------------------------------------------------

    def _sent_key(self, idempotency_key: str) -> str:
        return f"{self.prefix}sent:{idempotency_key}"

    def _send_once(self, path: str, body: dict[str, Any], user_id: str, idempotency_key: str) -> dict[str, Any]:
        sent_key = self._sent_key(idempotency_key)
        previous = self.redis.get(sent_key)
        if previous is not None:
            return dict(json.loads(previous))
        try:
            data = self._call("POST", path, json_body=body).get("data") or {}
        except ZaloError as exc:
            if not exc.transient:
                self._record_failure(user_id, exc)
            raise
        self.redis.set(sent_key, json.dumps(data), ex=SENT_TTL_SECONDS)
        return dict(data)

    def _record_failure(self, user_id: str, exc: ZaloError) -> None:
        record = {"at": time.time(), "user": hash_user(user_id, self.settings), "code": exc.code,
                  "outcome": exc.outcome.value}
        pipe = self.redis.pipeline()
        pipe.lpush(f"{self.prefix}zalo:failures", json.dumps(record))
        pipe.ltrim(f"{self.prefix}zalo:failures", 0, 9999)
        if exc.outcome is Outcome.RECIPIENT:
            pipe.hset(f"{self.prefix}follower:{user_id}", mapping={"unreachable_code": exc.code or 0})
        pipe.execute()
        log.warning("zalo send failed", extra={"user": record["user"], "code": exc.code,
                                               "outcome": exc.outcome.value})

    def _call(
        self,
        method: str,
        path: str,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        refreshed = False
        attempt = 0
        last_error: ZaloError | None = None
        while attempt < self.max_attempts:
            token = self.tokens.access_token()
            try:
                response = self.session.request(
                    method,
                    f"{self.settings.zalo_api_base}{path}",
                    headers={"access_token": token},
                    json=json_body,
                    params=params,
                    timeout=self.settings.zalo_timeout_seconds,
                )
                if response.status_code >= 500 or response.status_code == 429:
                    raise ZaloError(None, f"HTTP {response.status_code}", Outcome.RETRY)
                body = response.json()
                if not isinstance(body, dict):
                    raise ValueError("body is not an object")
            except (requests.Timeout, requests.ConnectionError) as exc:
                last_error = ZaloError(None, type(exc).__name__, Outcome.RETRY)
            except ValueError:
                last_error = ZaloError(None, "unreadable answer", Outcome.RETRY)
            except ZaloError as exc:
                last_error = exc
            else:
                code = int(body.get("error", 0) or 0)
                outcome = classify(code)
                if outcome is Outcome.OK:
                    return body
                error = ZaloError(code, str(body.get("message", "")), outcome)
                if outcome is Outcome.REFRESH_TOKEN and not refreshed:
                    refreshed = True
                    try:
                        self.tokens.refresh(token)
                    except TokenRefreshFailed as exc:
                        raise exc from error
                    continue  # the retry after a refresh does not count as an attempt
                if outcome is not Outcome.RETRY:
                    raise error
                last_error = error
            attempt += 1
            if attempt < self.max_attempts:
                self.sleep(self.backoff_seconds[min(attempt - 1, len(self.backoff_seconds) - 1)])
        assert last_error is not None
        raise last_error
