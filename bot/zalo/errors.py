"""Zalo's error codes and what the bot does about each (shared/zalo-oa-api.md, section 2)."""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    OK = "ok"
    RETRY = "retry"  # transient: back off and try again
    REFRESH_TOKEN = "refresh_token"  # refresh the access token once, then retry once
    RESCHEDULE = "reschedule"  # quota or night ban: try much later, never loop
    RECIPIENT = "recipient"  # permanent for this citizen (blocked, unfollowed, outside the window)
    PAYLOAD = "payload"  # permanent: our message is wrong (a bug to fix, not to retry)
    CONFIG = "config"  # the OA or app is misconfigured: alert an admin


_BY_CODE: dict[int, Outcome] = {
    0: Outcome.OK,
    -32: Outcome.RETRY,
    -200: Outcome.RETRY,
    -216: Outcome.REFRESH_TOKEN,
    -220: Outcome.REFRESH_TOKEN,
    -211: Outcome.RESCHEDULE,
    -218: Outcome.RESCHEDULE,
    -234: Outcome.RESCHEDULE,
    -213: Outcome.RECIPIENT,
    -217: Outcome.RECIPIENT,
    -227: Outcome.RECIPIENT,
    -244: Outcome.RECIPIENT,
    -230: Outcome.RECIPIENT,
    -232: Outcome.RECIPIENT,
    -249: Outcome.RECIPIENT,
    -100: Outcome.PAYLOAD,
    -201: Outcome.PAYLOAD,
    -210: Outcome.PAYLOAD,
    -240: Outcome.PAYLOAD,
    -248: Outcome.PAYLOAD,
    **{code: Outcome.CONFIG for code in (-204, -205, -209, -212, -219, -221, -224, -235)},
}

KNOWN_CODES = frozenset(_BY_CODE)

# Codes meaning the citizen is outside the messaging window: a template channel may still reach them.
OUTSIDE_WINDOW = frozenset({-230, -232})


def classify(code: int) -> Outcome:
    """Unknown negative codes are permanent and recorded, never retried blindly."""
    return _BY_CODE.get(code, Outcome.PAYLOAD if code < 0 else Outcome.OK)


class ZaloError(Exception):
    """A send that did not succeed. `code` is Zalo's error code, or None for network/HTTP failures."""

    def __init__(self, code: int | None, message: str, outcome: Outcome) -> None:
        super().__init__(f"zalo error {code}: {message}")
        self.code = code
        self.message = message
        self.outcome = outcome
        # True when some attempt may have reached Zalo although no success came back.
        self.uncertain = False

    @property
    def transient(self) -> bool:
        return self.outcome in (Outcome.RETRY, Outcome.REFRESH_TOKEN)


class TokenRefreshFailed(ZaloError):
    """The refresh token was refused: a person must re-authorise the OA."""
