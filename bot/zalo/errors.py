"""Zalo's error codes and what the bot does about each (shared/zalo-oa-api.md, section 2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
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


# ZNS by phone (business.openapi.zalo.me) has codes of its own (shared/zalo-oa-api.md, section 2:
# -124 invalid token, -133 night ban, -144 daily quota; the others as Zalo's ZNS "mã lỗi" page lists them,
# [unconfirmed]: anything not listed is treated as permanent and recorded).
_ZNS_BY_CODE: dict[int, Outcome] = {
    0: Outcome.OK,
    -100: Outcome.RETRY,  # the application failed on Zalo's side
    -124: Outcome.REFRESH_TOKEN,
    -133: Outcome.RESCHEDULE,  # not sent at night (22:00-06:00 Vietnam time)
    -144: Outcome.RESCHEDULE,  # the OA's daily ZNS quota is used up
    -115: Outcome.RESCHEDULE,  # out of ZNS quota
    -108: Outcome.RECIPIENT,  # the phone number is invalid
    -118: Outcome.RECIPIENT,  # no Zalo account for this number
    -119: Outcome.RECIPIENT,  # this account cannot receive ZNS
    -139: Outcome.RECIPIENT,  # the citizen refused ZNS from this OA
    -112: Outcome.PAYLOAD,  # template_data does not match the template
    **{code: Outcome.CONFIG for code in (-101, -102, -109, -131)},  # app or template missing, not approved
}


# ZNS's night ban: no ZNS message between 22:00 and 06:00 Vietnam time.
ZNS_NIGHT_BAN = -133
NIGHT_ENDS_HOUR = 6


def seconds_until_morning(now: datetime) -> float:
    """Seconds from `now` to the next 06:00 in Vietnam (UTC+7), when ZNS may send again. Pure."""
    local = now.astimezone(timezone(timedelta(hours=7)))
    morning = local.replace(hour=NIGHT_ENDS_HOUR, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return (morning - local).total_seconds()


def classify_zns(code: int) -> Outcome:
    """A ZNS answer's outcome; unknown negative codes are permanent and recorded."""
    return _ZNS_BY_CODE.get(code, Outcome.PAYLOAD if code < 0 else Outcome.OK)


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
