"""The attachments of a Zalo event (shared/zalo-oa-api.md, section 1), read defensively. Pure.

Zalo puts media under `message.attachments[] = {type, payload}`, maybe with a caption in
`message.text`; locations carry `payload.coordinates.{latitude, longitude}` as strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bot.ingress.events import Event

# Events whose caption (message.text) is read as if the citizen had typed it.
CAPTIONED_EVENTS = frozenset({"user_send_image", "user_send_gif", "user_send_file", "user_send_link",
                              "user_send_video"})
# Acknowledgements, not questions: nothing to answer, never "unanswered".
ACKNOWLEDGEMENTS = frozenset({"user_send_sticker", "user_reacted_message"})


@dataclass(frozen=True)
class Attachment:
    kind: str
    url: str = ""
    name: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def _coordinate(value: object, limit: float) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def attachments_of(event: Event) -> list[Attachment]:
    found: list[Attachment] = []
    for item in event.message.get("attachments") or []:
        if not isinstance(item, dict):
            continue
        raw_payload = item.get("payload")
        payload: dict[str, Any] = raw_payload if isinstance(raw_payload, dict) else {}
        kind = str(item.get("type") or event.name.removeprefix("user_send_"))
        url = payload.get("url")
        name = payload.get("name")
        raw_coordinates = payload.get("coordinates")
        coordinates: dict[str, Any] = raw_coordinates if isinstance(raw_coordinates, dict) else {}
        found.append(Attachment(kind, url if isinstance(url, str) else "", name if isinstance(name, str) else "",
                                _coordinate(coordinates.get("latitude"), 90.0),
                                _coordinate(coordinates.get("longitude"), 180.0)))
    return found


def first_of(event: Event, kind: str) -> Attachment | None:
    return next((a for a in attachments_of(event) if a.kind == kind), None)


def caption_of(event: Event) -> str:
    """The caption of a photo, file or link ("" for other events and for bare media)."""
    return event.text.strip() if event.name in CAPTIONED_EVENTS else ""
