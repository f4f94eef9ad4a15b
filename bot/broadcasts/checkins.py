"""Check-ins after an alert: "Tôi an toàn" / "Cần giúp" answers, counted per area, on Redis.

Keys under `<prefix>ck:` (one board per alert; its updates count on the same board):
  `<board>:who`   hash user_id → area id ("-" when none): everyone the alert was sent to, and anyone
                  else who answered (they join the totals when they answer)
  `<board>:a`     hash user_id → "<safe|help> <epoch>": the last answer and its time
  `<board>:n`     hash "<area>|total", "<area>|safe", "<area>|help", and "version" (bumped per change,
                  so the board polls cheaply)
  `<board>:sos`   hash user_id → SOS ticket id
  `step:<user>`   hash: the citizen's place in the "Cần giúp" conversation (board, step), one hour

Every change is one Lua script, so counts stay equal to the answers however they arrive: a repeated
answer moves nothing, a changed answer moves one count from the old kind to the new, an answer
older than the stored one (a late retry) is ignored, and registering recipients twice (a restarted
preparation) adds nobody twice. "No answer" is total minus safe and help, never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import redis

from bot.config import Settings
from bot.stores.keys import KeyFamily

SAFE, HELP = "safe", "help"
KINDS = (SAFE, HELP)
NO_AREA = "-"
STEP_SECONDS = 3600

KEY_FAMILIES = (
    KeyFamily("ck:*:n", per_citizen=False, kept="with the broadcast (counts per area)"),
    # The province's record of who said they were safe or asked for help, kept with the alert.
    KeyFamily("ck:*:who", per_citizen=True, kept="with the broadcast", kept_after_withdraw=True),
    KeyFamily("ck:*:a", per_citizen=True, kept="with the broadcast", kept_after_withdraw=True),
    KeyFamily("ck:*:sos", per_citizen=True, kept="with the broadcast", kept_after_withdraw=True),
    KeyFamily("ck:step:*", per_citizen=True, kept="1 hour; deleted on withdraw"),
)

# KEYS: who, answers, counts · ARGV: user, kind, epoch, area if new, area to move to ("" keeps it)
# → 1 changed, 0 ignored (older than the stored answer)
_ANSWER = """
local area = redis.call('HGET', KEYS[1], ARGV[1])
if not area then
  area = ARGV[4]
  redis.call('HSET', KEYS[1], ARGV[1], area)
  redis.call('HINCRBY', KEYS[3], area .. '|total', 1)
end
local old = redis.call('HGET', KEYS[2], ARGV[1])
local old_kind = false
if old then
  local space = string.find(old, ' ')
  old_kind = string.sub(old, 1, space - 1)
  if tonumber(ARGV[3]) < tonumber(string.sub(old, space + 1)) then return 0 end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
if old_kind ~= ARGV[2] then
  if old_kind then redis.call('HINCRBY', KEYS[3], area .. '|' .. old_kind, -1) end
  redis.call('HINCRBY', KEYS[3], area .. '|' .. ARGV[2], 1)
end
if ARGV[5] ~= '' and ARGV[5] ~= area then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
  redis.call('HINCRBY', KEYS[3], area .. '|total', -1)
  redis.call('HINCRBY', KEYS[3], ARGV[5] .. '|total', 1)
  redis.call('HINCRBY', KEYS[3], area .. '|' .. ARGV[2], -1)
  redis.call('HINCRBY', KEYS[3], ARGV[5] .. '|' .. ARGV[2], 1)
end
redis.call('HINCRBY', KEYS[3], 'version', 1)
return 1
"""

# KEYS: who, counts · ARGV: user, area, user, area, ... → how many were new
_REGISTER = """
local added = 0
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[i + 1] .. '|total', 1)
    added = added + 1
  end
end
if added > 0 then redis.call('HINCRBY', KEYS[2], 'version', 1) end
return added
"""


@dataclass(frozen=True)
class AreaCounts:
    area: str  # an area id, or NO_AREA
    total: int
    safe: int
    help: int

    @property
    def no_answer(self) -> int:
        return max(self.total - self.safe - self.help, 0)

    def as_dict(self) -> dict[str, int]:
        return {"safe": self.safe, "help": self.help, "no_answer": self.no_answer}


@dataclass(frozen=True)
class Answer:
    user_id: str
    area: str
    kind: str  # safe, help, or "" (no answer yet)
    at: float  # epoch seconds; 0 without an answer


def counts_by_area(raw: dict[str, int]) -> list[AreaCounts]:
    """The counts hash → one row per area, areas in first-seen order. Pure."""
    areas: dict[str, dict[str, int]] = {}
    for field, value in raw.items():
        if "|" not in field:
            continue
        area, what = field.rsplit("|", 1)
        areas.setdefault(area, {})[what] = value
    return [AreaCounts(area, v.get("total", 0), v.get(SAFE, 0), v.get(HELP, 0)) for area, v in areas.items()]


def totals(rows: Iterable[AreaCounts]) -> AreaCounts:
    rows = list(rows)
    return AreaCounts("", sum(r.total for r in rows), sum(r.safe for r in rows), sum(r.help for r in rows))


class CheckinStore:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.redis = client
        self.p = f"{settings.key_prefix}ck:"
        self._answer = client.register_script(_ANSWER)
        self._register = client.register_script(_REGISTER)

    def key(self, board: str, part: str) -> str:
        return f"{self.p}{board}:{part}"

    # -- recipients and answers ------------------------------------------------------------------

    def register(self, board: str, recipients: list[tuple[str, str]]) -> int:
        """Recipients (user_id, area id or "") join the board's totals, once each."""
        args = [item for uid, area in recipients for item in (uid, area or NO_AREA)]
        if not args:
            return 0
        return int(self._register(keys=[self.key(board, "who"), self.key(board, "n")], args=args))

    def answer(self, board: str, user_id: str, kind: str, at: float, area: str = "", move_to: str = "") -> bool:
        """Record the citizen's answer (the last one counts). `area`: theirs if they were not a
        recipient; `move_to`: the ấp they named, which their counts move to."""
        assert kind in KINDS, kind
        return bool(self._answer(keys=[self.key(board, "who"), self.key(board, "a"), self.key(board, "n")],
                                 args=[user_id, kind, f"{at:.3f}", area or NO_AREA, move_to]))

    def answer_of(self, board: str, user_id: str) -> tuple[str, float] | None:
        raw = self.redis.hget(self.key(board, "a"), user_id)
        if not raw:
            return None
        kind, at = _s(raw).split(" ", 1)
        return kind, float(at)

    def area_of(self, board: str, user_id: str) -> str:
        raw = self.redis.hget(self.key(board, "who"), user_id)
        area = _s(raw) if raw else NO_AREA
        return "" if area == NO_AREA else area

    def counts(self, board: str) -> list[AreaCounts]:
        raw = {_s(k): int(v) for k, v in self.redis.hgetall(self.key(board, "n")).items()}
        return counts_by_area(raw)

    def summary(self, board: str) -> dict[str, int]:
        return totals(self.counts(board)).as_dict()

    def version(self, board: str) -> int:
        return int(self.redis.hget(self.key(board, "n"), "version") or 0)

    def has_board(self, board: str) -> bool:
        return bool(self.redis.exists(self.key(board, "n")))

    def answers(self, board: str) -> Iterator[Answer]:
        """Everyone on the board with their last answer ("" when none), a page of Redis at a time."""
        for batch in _chunks(self.redis.hscan_iter(self.key(board, "who"), count=2000), 1000):
            given = self.redis.hmget(self.key(board, "a"), [uid for uid, _ in batch])
            for (uid_raw, area_raw), raw in zip(batch, given, strict=True):
                kind, at = _s(raw).split(" ", 1) if raw else ("", "0")
                area = _s(area_raw)
                yield Answer(_s(uid_raw), "" if area == NO_AREA else area, kind, float(at))

    def audience(self, board: str, kind: str, area: str = "") -> Iterator[str]:
        """Follow-up recipients: those with no answer yet ("noanswer"), or everyone of one area ("area")."""
        for batch in _chunks(self.redis.hscan_iter(self.key(board, "who"), count=2000), 1000):
            uids = [_s(uid) for uid, _ in batch]
            answered = self.redis.hmget(self.key(board, "a"), uids)
            for (uid_raw, area_raw), given in zip(batch, answered, strict=True):
                wanted = given is None if kind == "noanswer" else _s(area_raw) == (area or NO_AREA)
                if wanted:
                    yield _s(uid_raw)

    # -- help requests ---------------------------------------------------------------------------

    def link_ticket(self, board: str, user_id: str, ticket_id: str) -> None:
        pipe = self.redis.pipeline()
        pipe.hset(self.key(board, "sos"), user_id, ticket_id)
        pipe.hincrby(self.key(board, "n"), "version", 1)
        pipe.execute()

    def ticket_of(self, board: str, user_id: str) -> str:
        raw = self.redis.hget(self.key(board, "sos"), user_id)
        return _s(raw) if raw else ""

    def tickets(self, board: str) -> dict[str, str]:
        return {_s(k): _s(v) for k, v in self.redis.hgetall(self.key(board, "sos")).items()}

    def touch(self, board: str) -> None:
        """Something on the board changed (a help request's state): pages re-read."""
        self.redis.hincrby(self.key(board, "n"), "version", 1)

    # -- where the citizen is in the "Cần giúp" conversation -------------------------------------------

    def set_step(self, user_id: str, board: str, step: str, **fields: str) -> None:
        key = f"{self.p}step:{user_id}"
        pipe = self.redis.pipeline()
        pipe.delete(key)
        mapping: dict[str | bytes, str] = {"board": board, "step": step}
        mapping.update(fields)
        pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
        pipe.expire(key, STEP_SECONDS)
        pipe.execute()

    def step(self, user_id: str) -> dict[str, str]:
        raw = self.redis.hgetall(f"{self.p}step:{user_id}")
        return {_s(k): _s(v) for k, v in raw.items()}

    def clear_step(self, user_id: str) -> None:
        self.redis.delete(f"{self.p}step:{user_id}")

    def forget(self, user_id: str) -> None:
        self.clear_step(user_id)


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _chunks(items: Iterator[tuple[bytes, bytes]], size: int) -> Iterator[list[tuple[bytes, bytes]]]:
    batch: list[tuple[bytes, bytes]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
