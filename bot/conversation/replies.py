"""What the bot says, as plain data: composed by pure logic, sent by the Zalo client.

A handler returns a list of `Reply`; the worker turns each into one or more Zalo
consultation messages (see bot.zalo.messages) and sends them idempotently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MAX_TEXT_CHARS = 2000  # Zalo's limit on one message; longer text is split (bot.zalo.messages)

ButtonKind = Literal["query", "url", "phone"]


@dataclass(frozen=True)
class Button:
    """A tappable button under a message.

    kind "query": tapping sends `payload` back to the bot as the citizen's text (oa.query.hide);
    kind "url": opens `payload` (a URL); kind "phone": dials `payload`.
    """

    title: str
    payload: str
    kind: ButtonKind = "query"


@dataclass(frozen=True)
class UserInfoRequest:
    """Zalo's request-user-info form: the citizen taps it to share their phone number (and profile)."""

    title: str
    subtitle: str
    image_url: str = ""


@dataclass(frozen=True)
class Reply:
    """One message to the citizen: text, optionally with up to 5 buttons; or, with `form`, Zalo's
    request-user-info form (then `text` is what the transcript shows)."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    form: UserInfoRequest | None = None
