"""What a process runs on: its settings, Redis connection, job queue and services (catalogue, matcher,
the one sender). The web app (bot.app.create_app) and the worker (bot.queue.worker.main) each build one and
hand it on; nothing builds one behind their backs.

rq imports job functions by name, so a job cannot be given the runtime as an argument: the worker
binds its runtime while it works (`bound`) and a job asks for it (`current`). Outside a worker there is
none, and `current` says so instead of quietly building another from the environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from rq import Queue

from bot.config import Settings
from bot.services import Services
from bot.stores.connection import connect

if TYPE_CHECKING:
    from bot.zalo.sender import Sender


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    redis: Redis  # `Redis`, not `redis.Redis`: in this class body `redis` names this field
    queue: Queue
    services: Services

    @classmethod
    def build(cls, settings: Settings | None = None, client: Redis | None = None) -> Runtime:
        settings = settings or Settings.from_env()
        client = client if client is not None else connect(settings)
        from bot.queue.jobs import make_queue

        return cls(settings, client, make_queue(client, settings), Services(client, settings))

    @property
    def sender(self) -> Sender:
        return self.services.sender


_bound: ContextVar[Runtime] = ContextVar("runtime")


@contextmanager
def bound(runtime: Runtime) -> Iterator[Runtime]:
    """The worker's runtime, for the jobs it runs in this thread."""
    token = _bound.set(runtime)
    try:
        yield runtime
    finally:
        _bound.reset(token)


def current() -> Runtime:
    try:
        return _bound.get()
    except LookupError:
        raise RuntimeError("no runtime: jobs run inside `python -m bot.queue.worker`") from None
