"""A citizen's message arrives and the bot answers: the handoff's bookkeeping, one round trip each.

Once per event (a worker's retry changes nothing): the message gets its per-citizen sequence number
and joins the rolling transcript. In the same step the citizen's ticket ids are read, so that when no
ticket is open (nearly always) the handoff gate decides without asking Redis again. After dispatch the
bot's replies join the transcript, with what the bot learnt about the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from bot.config import Settings
from bot.stores.conversation import SEEN_TTL_SECONDS, Conversation
from bot.stores.scripts import once, script
from bot.tickets.model import TranscriptEntry
from bot.tickets.store import TicketStore
from bot.tickets.transcript import TRANSCRIPT_TTL_SECONDS, CitizenTranscript

# KEYS: seen marker, sequence marker, citizen's counter, transcript, active ticket, last ticket.
# ARGV: marker ttl, transcript size, transcript ttl, the entry ("" for none).
# → {first time (1/0), sequence number, active ticket id or false, last ticket id or false}
_ARRIVE = """
local first = redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[1]) and 1 or 0
local seq = redis.call('get', KEYS[2])
if not seq then
  seq = redis.call('incr', KEYS[3])
  redis.call('expire', KEYS[3], ARGV[1])
  redis.call('set', KEYS[2], seq, 'EX', ARGV[1])
end
if first == 1 and ARGV[4] ~= '' then
  redis.call('rpush', KEYS[4], ARGV[4])
  redis.call('ltrim', KEYS[4], -tonumber(ARGV[2]), -1)
  redis.call('expire', KEYS[4], ARGV[3])
end
return {first, tonumber(seq), redis.call('get', KEYS[5]), redis.call('get', KEYS[6])}
"""


@dataclass(frozen=True)
class Arrival:
    first_time: bool  # False: a retry of a message already recorded
    seq: int
    active_ticket: str | None
    last_ticket: str | None


def arrive(client: redis.Redis, settings: Settings, user_id: str, identity: str,
           entry: TranscriptEntry | None) -> Arrival:
    """Record a citizen's message (once) and read their tickets' ids."""
    conversation = Conversation(client, settings)
    transcript = CitizenTranscript(client, settings)
    active_key, last_key = TicketStore(client, settings).citizen_keys(user_id)
    first, seq, active, last = script(client, _ARRIVE)(
        keys=[conversation.seen_key("citizen", identity), conversation.seq_marker(identity),
              conversation.counter_key(user_id), transcript.key(user_id), active_key, last_key],
        args=[SEEN_TTL_SECONDS, transcript.size, TRANSCRIPT_TTL_SECONDS, entry.dumps() if entry else ""])
    return Arrival(bool(first), int(seq), active.decode() if active else None, last.decode() if last else None)


def record_replies(client: redis.Redis, settings: Settings, user_id: str, identity: str,
                   entries: list[TranscriptEntry], remembered: dict[str, str],
                   pipe: redis.client.Pipeline | None = None) -> bool:
    """The bot's replies join the transcript and `remembered` the conversation's context, once per event;
    False on a retry (recorded the first time). With `pipe`: queued there (True)."""
    conversation = Conversation(client, settings)
    commands = conversation.remember_commands(user_id, remembered) if remembered else []
    commands += CitizenTranscript(client, settings).append_commands(user_id, entries)
    return once(client, conversation.seen_key("bot", identity), SEEN_TTL_SECONDS, commands, pipe=pipe)
