"""The baseline for bench/end_to_end.py: a minimal echo bot on the product's own stack.

Web (`bench.echo_bot:app`, served by the Procfile's gunicorn command): the same signature check as the
product's webhook, then the event pushed to Redis and one rq job enqueued per event. Worker
(`python -m bench.echo_bot`): an rq SimpleWorker whose job pops the event and sends its text back through
Zalo's consultation endpoint with requests. No dedupe, no per-citizen order, no matching, no retries:
the least a bot on web + rq + Redis can do per message.

Configured from the same environment variables as the product (REDIS_URL, ZALO_APP_ID,
ZALO_OA_SECRET_KEY, ZALO_API_BASE, ZALO_ACCESS_TOKEN); ECHO_QUEUE names its queue.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

import redis
import requests
from flask import Flask, Response, request
from rq import Queue, SimpleWorker

from bot.ingress.signature import signature_valid

app = Flask(__name__)


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(os.environ["REDIS_URL"])


@cache
def _queue() -> Queue:
    return Queue(os.environ.get("ECHO_QUEUE", "echo"), connection=_redis())


@cache
def _zalo() -> requests.Session:
    return requests.Session()


def _inbox(user_id: str) -> str:
    return f"echo:inbox:{user_id}"


@app.get("/")
def alive() -> str:
    return "ok"


@app.post("/webhook/zalo")
def receive() -> Response:
    raw = request.get_data()
    try:
        payload = json.loads(raw)
    except ValueError:
        return Response('{"ok":false}', 400, mimetype="application/json")
    app_id = os.environ["ZALO_APP_ID"]
    if not (isinstance(payload, dict) and str(payload.get("app_id")) == app_id and signature_valid(
            request.headers.get("X-ZEvent-Signature"), app_id, raw, str(payload.get("timestamp", "")),
            os.environ["ZALO_OA_SECRET_KEY"])):
        return Response('{"ok":false}', 401, mimetype="application/json")
    if payload.get("event_name") == "user_send_text":
        user_id = str(payload["sender"]["id"])
        _redis().rpush(_inbox(user_id), raw)
        _queue().enqueue(echo_job, user_id, result_ttl=0)
    return Response('{"ok":true}', mimetype="application/json")


def echo_job(user_id: str) -> None:
    raw: bytes | None = _redis().lpop(_inbox(user_id))  # type: ignore[assignment]  # one item, not a count
    if raw is None:
        return
    event: dict[str, Any] = json.loads(raw)
    response = _zalo().post(
        f"{os.environ['ZALO_API_BASE']}/v3.0/oa/message/cs",
        headers={"access_token": os.environ["ZALO_ACCESS_TOKEN"]},
        json={"recipient": {"user_id": user_id}, "message": {"text": event["message"]["text"]}},
        timeout=10,
    )
    answer = response.json()
    if answer.get("error") != 0:
        raise RuntimeError(f"Zalo answered {answer}")


def main() -> None:
    worker = SimpleWorker([_queue()], connection=_redis())
    worker.work(with_scheduler=False, logging_level=os.environ.get("LOG_LEVEL", "WARNING"))


if __name__ == "__main__":
    main()
