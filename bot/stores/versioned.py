"""A store whose readers cache what they built from it, keyed by a version counter the writers bump."""

from __future__ import annotations

from redis import Redis
from redis.client import Pipeline


class Versioned:
    """The version counter's reads, alone or queued on an event's pipeline (one round trip for several)."""

    redis: Redis
    _version_key: str

    def version(self) -> int:
        return self.version_of(self.redis.get(self._version_key))

    def queue_version(self, pipe: Pipeline) -> None:
        """The version's GET, queued on `pipe` (read its answer with `version_of`)."""
        pipe.get(self._version_key)

    @staticmethod
    def version_of(stored: bytes | str | None) -> int:
        return int(stored or 0)
