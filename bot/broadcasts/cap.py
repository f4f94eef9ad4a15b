"""CAP 1.2-shaped announcements: the model, parsing from JSON or CAP XML, and validation. Pure.

An update or all-clear is a new message whose `references` name the earlier broadcast; nothing
already delivered is ever edited. Errors name the offending field (CapError.field).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.broadcasts.areas import Areas

VIETNAM = timezone(timedelta(hours=7))
CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"

SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
MSG_TYPES = ("Alert", "Update", "Cancel")
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
              "CBRNE", "Other")

LIMITS = {"event": 100, "headline": 160, "instruction": 600, "description": 1000}

SEVERITY_LABELS = {"Extreme": "Cực kỳ nguy hiểm", "Severe": "Nguy hiểm", "Moderate": "Trung bình",
                   "Minor": "Nhẹ", "Unknown": "Chưa rõ"}
URGENCY_LABELS = {"Immediate": "Ngay lập tức", "Expected": "Trong vài giờ tới", "Future": "Sắp tới",
                  "Past": "Đã qua", "Unknown": "Chưa rõ"}
CERTAINTY_LABELS = {"Observed": "Đã xảy ra", "Likely": "Nhiều khả năng", "Possible": "Có thể",
                    "Unlikely": "Ít khả năng", "Unknown": "Chưa rõ"}


class CapError(ValueError):
    """An announcement that cannot be accepted; `field` names what is wrong, `status` the HTTP code."""

    def __init__(self, field_name: str, message: str, status: int = 422) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Announcement:
    event: str
    headline: str
    description: str
    instruction: str
    severity: str
    urgency: str
    certainty: str
    expires: datetime
    msg_type: str = "Alert"
    references: tuple[str, ...] = ()
    # "all", or area ids from data/areas.json.
    target: tuple[str, ...] = ("all",)
    category: str = "Safety"
    status: str = "Actual"
    sender: str = ""
    identifier: str = ""  # the sender's own id (CAP); ours is the broadcast id
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def targets_all(self) -> bool:
        return self.target == ("all",)

    @property
    def is_emergency(self) -> bool:
        """Emergencies reach everyone; citizens may opt out only of the rest."""
        return self.severity in ("Extreme", "Severe") or self.urgency == "Immediate"

    def as_dict(self) -> dict[str, Any]:
        return {"event": self.event, "headline": self.headline, "description": self.description,
                "instruction": self.instruction, "severity": self.severity, "urgency": self.urgency,
                "certainty": self.certainty, "expires": self.expires.isoformat(), "msg_type": self.msg_type,
                "references": list(self.references), "target": list(self.target), "category": self.category,
                "status": self.status, "sender": self.sender, "identifier": self.identifier}


def parse_time(value: Any, field_name: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise CapError(field_name, "not an ISO 8601 date-time (e.g. 2026-09-10T18:00:00+07:00)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM)


def _text(data: dict[str, Any], name: str, required: bool) -> str:
    value = data.get(name)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise CapError(name, "is required")
    if name in LIMITS and len(text) > LIMITS[name]:
        raise CapError(name, f"is longer than {LIMITS[name]} characters")
    return text


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    raw = str(data.get(name) or default or "").strip()
    for option in allowed:  # CAP values are case-sensitive; accept any case and store CAP's spelling
        if raw.lower() == option.lower():
            return option
    raise CapError(name, f"must be one of {', '.join(allowed)}")


def _references(value: Any) -> tuple[str, ...]:
    """Our ids, or CAP's "sender,identifier,sent" triples separated by spaces (the identifier is kept)."""
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list) else str(value).split()
    refs = []
    for item in items:
        parts = str(item).split(",")
        refs.append(parts[1] if len(parts) == 3 else parts[0])
    return tuple(r.strip() for r in refs if r.strip())


def _target(data: dict[str, Any], areas: Areas) -> tuple[str, ...]:
    """`target` ("all" or area ids), or CAP areaDesc names; an unknown area is refused (422)."""
    if "target" in data and data["target"] not in (None, ""):
        target = data["target"]
        if target == "all" or target == ["all"]:
            return ("all",)
        if not isinstance(target, list) or not target:
            raise CapError("target", 'must be "all" or a non-empty list of area ids')
        return _area_ids(areas, target, "target", "unknown area {!r}")
    descriptions = data.get("area_desc") or data.get("areaDesc") or []
    if isinstance(descriptions, str):
        descriptions = [descriptions]
    if not descriptions:
        return ("all",)
    return _area_ids(areas, descriptions, "areaDesc", "{!r} is not a configured area")


def _area_ids(areas: Areas, names: list[Any], field_name: str, unknown: str) -> tuple[str, ...]:
    """The configured areas' ids for ids or names, once each, in order; an unknown one is refused."""
    ids = []
    for name in names:
        area = areas.find(str(name))
        if area is None:
            raise CapError(field_name, unknown.format(name))
        ids.append(area.id)
    return tuple(dict.fromkeys(ids))


def announcement_from_dict(data: dict[str, Any], areas: Areas, now: datetime | None = None) -> Announcement:
    """Validate a JSON-shaped announcement (the console form and the API share this)."""
    if not isinstance(data, dict):
        raise CapError("body", "must be a JSON object", 400)
    data = {("msg_type" if k == "msgType" else k): v for k, v in data.items()}
    msg_type = _choice(data, "msg_type", MSG_TYPES, "Alert")
    references = _references(data.get("references"))
    if msg_type != "Alert" and not references:
        raise CapError("references", f"is required for {msg_type}")
    needs_body = msg_type != "Cancel"
    expires = parse_time(data.get("expires") or "", "expires") if data.get("expires") else None
    if expires is None:
        raise CapError("expires", "is required")
    if expires <= (now or datetime.now(VIETNAM)):
        raise CapError("expires", "is in the past")
    return Announcement(
        event=_text(data, "event", True),
        headline=_text(data, "headline", True),
        description=_text(data, "description", needs_body),
        instruction=_text(data, "instruction", needs_body),
        severity=_choice(data, "severity", SEVERITIES),
        urgency=_choice(data, "urgency", URGENCIES),
        certainty=_choice(data, "certainty", CERTAINTIES),
        expires=expires,
        msg_type=msg_type,
        references=references,
        target=_target(data, areas),
        category=_choice(data, "category", CATEGORIES, "Safety"),
        status=_choice(data, "status", STATUSES, "Actual"),
        sender=str(data.get("sender") or "").strip()[:200],
        identifier=str(data.get("identifier") or "").strip()[:200],
    )


def announcement_from_cap_xml(document: str | bytes, areas: Areas, now: datetime | None = None) -> Announcement:
    """A CAP 1.2 <alert> (first <info> block; every <area>'s areaDesc must be a configured area)."""
    raw = document.encode() if isinstance(document, str) else document
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise CapError("body", "DTDs and entities are not accepted", 400)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise CapError("body", f"not well-formed XML ({exc})", 400) from exc
    ns = {"cap": CAP_NS}
    if root.tag != f"{{{CAP_NS}}}alert":
        raise CapError("alert", f"the root element must be <alert> in the namespace {CAP_NS}", 400)

    def text(parent: ET.Element, name: str) -> str | None:
        found = parent.find(f"cap:{name}", ns)
        return found.text.strip() if found is not None and found.text else None

    info = root.find("cap:info", ns)
    if info is None:
        raise CapError("info", "is required")
    data: dict[str, Any] = {
        "identifier": text(root, "identifier"), "sender": text(root, "sender"), "status": text(root, "status"),
        "msg_type": text(root, "msgType"), "references": text(root, "references"),
        **{name: text(info, name) for name in ("category", "event", "urgency", "severity", "certainty",
                                                "expires", "headline", "description", "instruction")},
        "area_desc": [d for d in (text(area, "areaDesc") for area in info.findall("cap:area", ns)) if d],
    }
    return announcement_from_dict(data, areas, now)


def follow_up(original: Announcement, msg_type: str, references: str, **changes: Any) -> Announcement:
    """A new Update or Cancel built on an earlier announcement (for the console's buttons)."""
    return replace(original, msg_type=msg_type, references=(references,), **changes)
