"""Each citizen's rolling transcript: their recent messages and the bot's replies, kept short.

A ticket starts with a copy of it, so staff see what was said before the escalation without the
citizen repeating themselves. Kept for a week at most (personal data: the minimum, not for ever).
"""

from __future__ import annotations

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily
from bot.stores.scripts import Command
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

    def key(self, user_id: str) -> str:
        return f"{self.prefix}handoff:transcript:{user_id}"

    def append(self, user_id: str, entry: TranscriptEntry) -> None:
        pipe = self.redis.pipeline()
        for command in self.append_commands(user_id, [entry]):
            pipe.execute_command(*command)
        pipe.execute()

    def append_commands(self, user_id: str, entries: list[TranscriptEntry]) -> list[Command]:
        """The commands that append `entries` (for a caller that sends them with other work)."""
        key = self.key(user_id)
        return [("rpush", key, *(entry.dumps() for entry in entries)), ("ltrim", key, -self.size, -1),
                ("expire", key, TRANSCRIPT_TTL_SECONDS)]

    def recent(self, user_id: str) -> list[TranscriptEntry]:
        return [TranscriptEntry.loads(raw) for raw in self.redis.lrange(self.key(user_id), 0, -1)]

    def forget(self, user_id: str) -> None:
        self.redis.delete(self.key(user_id))
