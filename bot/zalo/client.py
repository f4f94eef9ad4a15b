"""The Zalo OA HTTP client: sends with retries, token refresh and idempotency keys.

Zalo answers failures with HTTP 200 and an `error` code in the body, so every answer is
classified by code (bot.zalo.errors). Every send carries an idempotency key: once a key has
succeeded, sending it again returns the first result without calling Zalo, so a retried job
never sends a message twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
import requests

from bot.config import Settings
from bot.logs import hash_user
from bot.ops.metrics import observe_zalo_call
from bot.stores.followers import FollowerRegistry
from bot.stores.scripts import queue_script, script
from bot.zalo.errors import Outcome, TokenRefreshFailed, ZaloError, classify, classify_zns
from bot.zalo.http import zalo_session
from bot.zalo.tokens import TokenStore

log = logging.getLogger(__name__)

SENT_TTL_SECONDS = 8 * 24 * 3600
# Marks a send whose request left but whose answer has not come back (yet).
IN_FLIGHT = "in_flight"
# How long after an earlier attempt's own timeout it is still taken as possibly landing.
IN_FLIGHT_MARGIN_MS = 500
# Zalo's clock against ours, when matching a message in the conversation history.
CLOCK_SKEW_MS = 2000
# GET the send record; when there is none, SET ours (in flight) in the same step.
_CLAIM_SEND = """
local previous = redis.call('get', KEYS[1])
if not previous then redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return previous
"""
# Claim a message of the conversation history for one send: the first claimant keeps it for good, so
# a message that one send made (or settled against) can never settle another send of the same text.
# KEYS[2], when given: the send's record, set to ARGV[3] in the same step.
_CLAIM_MESSAGE = """
if KEYS[2] then redis.call('set', KEYS[2], ARGV[3], 'EX', ARGV[2]) end
local owner = redis.call('get', KEYS[1])
if not owner then
  redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
if owner == ARGV[1] then return 1 end
return 0
"""


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
        self.session = session or zalo_session(settings)
        self.tokens = TokenStore(client, settings, self.session)
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.prefix = settings.key_prefix

    # -- public API -------------------------------------------------------------------------

    def send_message(self, user_id: str, message: dict[str, Any], idempotency_key: str,
                     claimed: bool = False) -> dict[str, Any]:
        """Send one consultation message (POST /v3.0/oa/message/cs); returns Zalo's `data`. `claimed`: the
        key's send record was set in flight by `queue_claim` (and found none before): no claim again."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        return self._send_once("/v3.0/oa/message/cs", body, user_id, idempotency_key, claimed=claimed)

    def queue_claim(self, pipe: redis.client.Pipeline, idempotency_key: str) -> str:
        """The send's claim (its record set in flight unless it has one), queued on `pipe` ahead of the send
        (run with `execute_idempotent`): the send then needs no round trip of its own before its request.
        Returns the record it sets; the claim is this send's when the pipeline answers None or that record
        (a pipeline run again after a Redis restart finds its own)."""
        in_flight = json.dumps({"state": IN_FLIGHT, "at_ms": int(time.time() * 1000)})
        queue_script(pipe, _CLAIM_SEND, [self._sent_key(idempotency_key)], [in_flight, SENT_TTL_SECONDS])
        return in_flight

    def send_template(
        self, user_id: str, template_id: str, template_data: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """A pre-approved template message by user id, for citizens outside the 7-day window."""
        body = {"user_id": user_id, "template_id": template_id, "template_data": template_data}
        return self._send_once("/v3.0/oa/message/template", body, user_id, idempotency_key)

    def send_zns(self, user_id: str, phone: str, template_id: str, template_data: dict[str, Any],
                 idempotency_key: str) -> dict[str, Any]:
        """A ZNS template by phone number (POST business.openapi.zalo.me/message/template), for a citizen
        outside the 7-day window who shared their number. The number is never logged or recorded."""
        body = {"phone": phone, "template_id": template_id, "template_data": template_data,
                "tracking_id": hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}
        return self._send_once("/message/template", body, user_id, idempotency_key,
                               base=self.settings.reach.zns_api_base, zns=True)

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """A GET with Zalo's `data=<JSON>` parameter convention; returns the whole body."""
        return self._call("GET", path, params={"data": json.dumps(params, separators=(",", ":"))})

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", path, json_body=body)

    # -- internals --------------------------------------------------------------------------

    def _sent_key(self, idempotency_key: str) -> str:
        return f"{self.prefix}sent:{idempotency_key}"

    def _send_once(self, path: str, body: dict[str, Any], user_id: str, idempotency_key: str,
                   base: str = "", zns: bool = False, claimed: bool = False) -> dict[str, Any]:
        """Send unless this key already went out. A send whose outcome is unknown (the worker died,
        or the request timed out after leaving) is settled against the conversation history first."""
        sent_key = self._sent_key(idempotency_key)
        started_ms = int(time.time() * 1000)
        in_flight = json.dumps({"state": IN_FLIGHT, "at_ms": started_ms})
        # One round trip (none when `queue_claim` made it): the earlier record of this key if any, else ours
        # is set.
        previous = None if claimed else script(self.redis, _CLAIM_SEND)(keys=[sent_key],
                                                                         args=[in_flight, SENT_TTL_SECONDS])
        if previous is not None:
            record = json.loads(previous)
            if record.get("state") != IN_FLIGHT:
                return dict(record)
            # An attempt whose worker died mid-request may still land at Zalo until its own timeout has
            # run out: only after that does the history say for sure whether it went.
            if not record.get("ended") and (
                    started_ms < record["at_ms"] + self.settings.zalo_timeout_seconds * 1000 + IN_FLIGHT_MARGIN_MS):
                raise ZaloError(None, "an earlier attempt may still reach Zalo", Outcome.RETRY)
            delivered = self._find_delivered(user_id, body, record["at_ms"], idempotency_key)
            if delivered is not None:
                self.redis.set(sent_key, json.dumps(delivered), ex=SENT_TTL_SECONDS)
                return delivered
            self.redis.set(sent_key, in_flight, ex=SENT_TTL_SECONDS)
        try:
            data = self._call("POST", path, json_body=body,
                              settle=lambda: self._find_delivered(user_id, body, started_ms, idempotency_key),
                              base=base, zns=zns).get("data") or {}
        except ZaloError as exc:
            if not exc.uncertain:
                self.redis.delete(sent_key)  # Zalo said no each time: nothing went out
            else:  # still in doubt, but this worker saw its attempts end: a retry need not wait for them
                self.redis.set(sent_key, json.dumps({"state": IN_FLIGHT, "at_ms": started_ms, "ended": True}),
                               ex=SENT_TTL_SECONDS)
            if not exc.transient:
                # A number ZNS cannot reach says nothing about the citizen's Zalo chat with the OA.
                self._record_failure(user_id, exc, mark_recipient=not zns)
            raise
        if data.get("message_id") and not data.get("settled"):
            # One round trip: the message claimed for this send, and the send recorded.
            if not self._claim(data["message_id"], idempotency_key, record=(sent_key, json.dumps(data))):
                # Only a send whose answer came back after another send's settle could get here.
                log.warning("a delivered message was already claimed by another send",
                            extra={"user": hash_user(user_id, self.settings)})
        else:
            self.redis.set(sent_key, json.dumps(data), ex=SENT_TTL_SECONDS)
        return dict(data)

    def _claim(self, message_id: object, idempotency_key: str, record: tuple[str, str] | None = None) -> bool:
        """Make Zalo's message `message_id` this send's own; False if another send has it already.
        `record`: (send key, send record) stored in the same step, whether the claim succeeds or not."""
        key = f"{self.prefix}zalo:claimed:{message_id}"
        sent_key, sent = record or ("", "")
        return bool(script(self.redis, _CLAIM_MESSAGE)(keys=[key, sent_key] if record else [key],
                                                       args=[idempotency_key, SENT_TTL_SECONDS, sent]))

    def _find_delivered(self, user_id: str, body: dict[str, Any], since_ms: int,
                        idempotency_key: str) -> dict[str, Any] | None:
        """This send's message in the citizen's recent conversation, if Zalo has it (text messages only).

        A message of the same text and citizen may be another send's (the bot says "Xin chào" to
        "xin chào" and to "hello"): each history message is claimed, atomically, by at most one send."""
        text = (body.get("message") or {}).get("text")
        if not text or "recipient" not in body:
            return None  # templates do not show in the conversation: sending again is the safe side
        try:
            history = self.get("/v2.0/oa/conversation", {"user_id": user_id, "offset": 0, "count": 10})
        except ZaloError:
            return None
        for message in history.get("data") or []:
            if (str(message.get("to_id")) == user_id and message.get("message") == text
                    and int(message.get("time") or 0) >= since_ms - CLOCK_SKEW_MS
                    and message.get("message_id") and self._claim(message["message_id"], idempotency_key)):
                return {"message_id": str(message["message_id"]), "user_id": user_id, "settled": True}
        return None

    def _record_failure(self, user_id: str, exc: ZaloError, mark_recipient: bool = True) -> None:
        record = {"at": time.time(), "user": hash_user(user_id, self.settings), "code": exc.code,
                  "outcome": exc.outcome.value}
        pipe = self.redis.pipeline()
        pipe.lpush(f"{self.prefix}zalo:failures", json.dumps(record))
        pipe.ltrim(f"{self.prefix}zalo:failures", 0, 9999)
        if exc.outcome is Outcome.RECIPIENT and mark_recipient:
            FollowerRegistry(self.redis, self.settings).mark_unreachable(user_id, exc.code or 0, pipe)
        pipe.execute()
        log.warning("zalo send failed", extra={"user": record["user"], "code": exc.code,
                                               "outcome": exc.outcome.value})

    @observe_zalo_call
    def _call(
        self,
        method: str,
        path: str,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        settle: Callable[[], dict[str, Any] | None] | None = None,
        base: str = "",
        zns: bool = False,
    ) -> dict[str, Any]:
        """One API call (to `base`, Zalo's OA API by default; `zns`: the ZNS host and its codes) with
        retries. After an attempt whose outcome is unknown (a timeout, a lost
        connection, a 5xx), `settle` may find that it went through after all: no second send."""
        refreshed = False
        attempt = 0
        uncertain = False
        last_error: ZaloError | None = None
        attempt_started = 0.0
        while attempt < self.max_attempts:
            if uncertain and settle is not None:
                # Give a slow request time to land at Zalo before looking for it.
                self.sleep(max(0.0, attempt_started + 2 * self.settings.zalo_timeout_seconds - time.monotonic()))
                if (delivered := settle()) is not None:
                    return {"error": 0, "data": delivered}
            attempt_started = time.monotonic()
            token = self.tokens.access_token()
            try:
                response = self.session.request(
                    method,
                    f"{base or self.settings.zalo_api_base}{path}",
                    headers={"access_token": token},
                    json=json_body,
                    params=params,
                    timeout=self.settings.zalo_timeout_seconds,
                )
                if response.status_code >= 500 or response.status_code == 429:
                    uncertain = uncertain or response.status_code >= 500
                    raise ZaloError(None, f"HTTP {response.status_code}", Outcome.RETRY)
                body = response.json()
                if not isinstance(body, dict):
                    raise ValueError("body is not an object")
            except (requests.Timeout, requests.ConnectionError) as exc:
                # A connection refused before sending is certain; anything later may have gone through.
                uncertain = uncertain or not isinstance(exc, requests.exceptions.ConnectTimeout)
                last_error = ZaloError(None, type(exc).__name__, Outcome.RETRY)
            except ValueError:
                uncertain = True
                last_error = ZaloError(None, "unreadable answer", Outcome.RETRY)
            except ZaloError as exc:
                last_error = exc
            else:
                code = int(body.get("error", 0) or 0)
                outcome = classify_zns(code) if zns else classify(code)
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
                    error.uncertain = uncertain
                    raise error
                last_error = error
            attempt += 1
            if attempt < self.max_attempts:
                self.sleep(self.backoff_seconds[min(attempt - 1, len(self.backoff_seconds) - 1)])
        assert last_error is not None
        last_error.uncertain = uncertain
        raise last_error
