"""Each citizen's rolling transcript: their recent messages and the bot's replies, kept short.

A ticket starts with a copy of it, so staff see what was said before the escalation without the
citizen repeating themselves. Kept for a week at most (personal data: the minimum, not for ever).
"""

from __future__ import annotations

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.tickets.model import TranscriptEntry

TRANSCRIPT_TTL_SECONDS = 7 * 24 * 3600

KEY_FAMILIES = (
    KeyFamily("handoff:transcript:*", per_citizen=True, kept="7 days, last 30 lines; deleted on withdraw"),
)


class CitizenTranscript:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.prefix = settings.key_prefix
        self.size = max(1, settings.handoff_transcript_size)

    def _key(self, user_id: str) -> str:
        return f"{self.prefix}handoff:transcript:{user_id}"

    def append(self, user_id: str, entry: TranscriptEntry) -> None:
        key = self._key(user_id)
        pipe = self.redis.pipeline()
        pipe.rpush(key, entry.dumps())
        pipe.ltrim(key, -self.size, -1)
        pipe.expire(key, TRANSCRIPT_TTL_SECONDS)
        pipe.execute()

    def recent(self, user_id: str) -> list[TranscriptEntry]:
        return [TranscriptEntry.loads(raw) for raw in self.redis.lrange(self._key(user_id), 0, -1)]

    def forget(self, user_id: str) -> None:
        self.redis.delete(self._key(user_id))
