"""CAP 1.2-shaped announcements: the model, parsing from JSON or CAP XML, and validation. Pure.

An update or all-clear is a new message whose `references` name the earlier broadcast; nothing
already delivered is ever edited. Errors name the offending field (CapError.field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.broadcasts.area_match import match_areas
from bot.broadcasts.areas import Areas
from bot.broadcasts.cap_xml import CapArea, CapMessage, parse_cap_xml, parse_circle, parse_polygon
from bot.broadcasts.errors import CapError
from bot.config import VIETNAM

__all__ = ["Announcement", "CapError"]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"

SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
MSG_TYPES = ("Alert", "Update", "Cancel")
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
              "CBRNE", "Other")

HEADLINE_CHARS = 160  # what a phone shows as a title; the full headline is kept beside it
MAX_FIELD_CHARS = 20_000  # far beyond any real alert; a body this long is a mistake or an attack
DEFAULT_EXPIRY = timedelta(hours=24)
# Values of CAP 1.0/1.1 still sent by real feeds, in CAP 1.2's words.
LEGACY_VALUES = {"very likely": "Likely"}
CAMEL = {"msgType": "msg_type", "responseType": "response_types", "headlineFull": "headline_full"}
# Senders fill required-looking fields with these; they tell a citizen nothing.
PLACEHOLDERS = {"", "none", "n/a", "na", "-", "--", "null", "nil", "không", "khong", "không có", "tbd",
                "not applicable", "no instruction", "no instructions", "none specified"}
# CAP's responseType codes as a call to action in Vietnamese.
RESPONSE_INSTRUCTIONS = {
    "Shelter": "Trú ẩn ngay trong nhà hoặc nơi kiên cố.",
    "Evacuate": "Sơ tán khỏi khu vực theo hướng dẫn của chính quyền.",
    "Prepare": "Chuẩn bị sẵn sàng ứng phó: đồ dùng thiết yếu, nước uống, đèn pin.",
    "Execute": "Thực hiện ngay phương án ứng phó đã được hướng dẫn.",
    "Avoid": "Tránh xa khu vực nguy hiểm.",
    "Monitor": "Theo dõi thông tin mới từ chính quyền.",
    "Assess": "Theo dõi tình hình và chờ hướng dẫn tiếp theo.",
    "AllClear": "Nguy hiểm đã qua; Anh/Chị có thể trở lại sinh hoạt bình thường.",
    "None": "",
}

SEVERITY_LABELS = {"Extreme": "Cực kỳ nguy hiểm", "Severe": "Nguy hiểm", "Moderate": "Trung bình",
                   "Minor": "Nhẹ", "Unknown": "Chưa rõ"}
URGENCY_LABELS = {"Immediate": "Ngay lập tức", "Expected": "Trong vài giờ tới", "Future": "Sắp tới",
                  "Past": "Đã qua", "Unknown": "Chưa rõ"}
CERTAINTY_LABELS = {"Observed": "Đã xảy ra", "Likely": "Nhiều khả năng", "Possible": "Có thể",
                    "Unlikely": "Ít khả năng", "Unknown": "Chưa rõ"}


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
    references: tuple[str, ...] = ()  # the product's own broadcast ids (upstream triples resolved)
    # "all", or area ids from data/areas.json.
    target: tuple[str, ...] = ("all",)
    category: str = "Safety"
    status: str = "Actual"
    sender: str = ""
    identifier: str = ""  # the sender's own id (CAP); ours is the broadcast id
    sent: str = ""
    headline_full: str = ""  # the sender's headline when it had to be shortened for Zalo
    expires_defaulted: bool = False  # the sender gave no expiry: ours applies (shown to the official)
    area_desc: str = ""  # the sender's own words for the area (named to followers with no area)
    area_reasons: tuple[str, ...] = ()  # how the alert's areas matched ours, for the approver
    cap_references: tuple[str, ...] = ()  # references as the sender wrote them
    language: str = "vi"
    has_info: bool = True  # False for a Cancel that came without <info>
    # "Tôi an toàn" / "Cần giúp" buttons under the alert (bot.broadcasts.checkins); by default on the
    # Severe and Extreme alerts and updates, never on an all-clear.
    checkin: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def targets_all(self) -> bool:
        return self.target == ("all",)

    @property
    def is_emergency(self) -> bool:
        """Emergencies reach everyone; citizens may opt out only of the rest."""
        return self.severity in ("Extreme", "Severe") or self.urgency == "Immediate"

    @property
    def reaches_citizens(self) -> bool:
        """CAP: only an Actual message is for the public; Test, Exercise, System and Draft are not."""
        return self.status == "Actual"

    def as_dict(self) -> dict[str, Any]:
        return {"event": self.event, "headline": self.headline, "description": self.description,
                "instruction": self.instruction, "severity": self.severity, "urgency": self.urgency,
                "certainty": self.certainty, "expires": self.expires.isoformat(), "msg_type": self.msg_type,
                "references": list(self.references), "target": list(self.target), "category": self.category,
                "status": self.status, "sender": self.sender, "identifier": self.identifier, "sent": self.sent,
                "headline_full": self.headline_full, "expires_defaulted": self.expires_defaulted,
                "area_desc": self.area_desc, "area_reasons": list(self.area_reasons),
                "cap_references": list(self.cap_references), "language": self.language, "has_info": self.has_info,
                "checkin": self.checkin}


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
    if len(text) > MAX_FIELD_CHARS:
        raise CapError(name, f"is longer than {MAX_FIELD_CHARS} characters")
    return text


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    raw = str(data.get(name) or default or "").strip()
    raw = LEGACY_VALUES.get(raw.lower(), raw)
    for option in allowed:  # CAP values are case-sensitive; accept any case and store CAP's spelling
        if raw.lower() == option.lower():
            return option
    raise CapError(name, f"must be one of {', '.join(allowed)}")


def _category(value: Any) -> str:
    """CAP's category, "Other" for one it does not define (a category never decides who is warned)."""
    raw = str(value or "Safety").strip().lower()
    return next((c for c in CATEGORIES if c.lower() == raw), "Other")


def _references(value: Any) -> tuple[str, ...]:
    """Our ids, or CAP's "sender,identifier,sent" triples separated by spaces, as written."""
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list) else str(value).split()
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def is_triple(reference: str) -> bool:
    return reference.count(",") == 2


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where possible, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def meaningful(text: str) -> str:
    """The text, or "" when it is a placeholder such as "None" or "N/A"."""
    return "" if text.strip().strip(".").strip().lower() in PLACEHOLDERS else text.strip()


def instruction_for(response_types: tuple[str, ...] | list[str]) -> str:
    """A Vietnamese call to action from CAP's responseType codes, when the sender wrote none."""
    return " ".join(RESPONSE_INSTRUCTIONS[r] for r in dict.fromkeys(response_types) if RESPONSE_INSTRUCTIONS.get(r))


def _cap_area(raw: Any) -> CapArea:
    """A JSON area in CAP's own shape: {"areaDesc", "polygon": [...], "circle": [...], "geocode": [...]}."""
    if not isinstance(raw, dict):
        raise CapError("area", "each area must be an object with areaDesc, polygon, circle or geocode")

    def listed(name: str) -> list[Any]:
        value = raw.get(name) or []
        return value if isinstance(value, list) else [value]

    geocodes = tuple((str(g.get("valueName", "")), str(g.get("value", ""))) for g in listed("geocode")
                     if isinstance(g, dict))
    polygons = tuple(p for p in (parse_polygon(str(x)) for x in listed("polygon")) if p)
    circles = tuple(c for c in (parse_circle(str(x)) for x in listed("circle")) if c)
    return CapArea(str(raw.get("areaDesc") or ""), polygons, circles, geocodes)


def _target(data: dict[str, Any], areas: Areas) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """(target, the area in words, how it matched): `target` ids or "all", or CAP areas (shapes,
    codes or names), or areaDesc names. Nothing of the commune covered is refused (422)."""
    if "target" in data and data["target"] not in (None, ""):
        target = data["target"]
        if target == "all" or target == ["all"]:
            return ("all",), "", ()
        if not isinstance(target, list) or not target:
            raise CapError("target", 'must be "all" or a non-empty list of area ids')
        ids = _area_ids(areas, target, "target", "unknown area {!r}")
        return ids, ", ".join(areas.name(i) for i in ids), ()
    cap_areas = data.get("area")
    if cap_areas in (None, "", []):
        descriptions = data.get("area_desc") or data.get("areaDesc") or []
        cap_areas = [{"areaDesc": d} for d in ([descriptions] if isinstance(descriptions, str) else descriptions)]
    if isinstance(cap_areas, dict):
        cap_areas = [cap_areas]
    if not isinstance(cap_areas, list):
        raise CapError("area", "must be a list of CAP areas")
    return target_of_cap_areas([_cap_area(a) for a in cap_areas], areas)


def target_of_cap_areas(cap_areas: list[CapArea], areas: Areas) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    found = match_areas(cap_areas, areas)
    desc = "; ".join(dict.fromkeys(a.desc for a in cap_areas if a.desc))
    if not found.matched:
        raise CapError("area", f"{desc or 'the alert area'!r} does not cover any area of this commune")
    return found.target, desc, found.reasons


def _area_ids(areas: Areas, names: list[Any], field_name: str, unknown: str) -> tuple[str, ...]:
    """The configured areas' ids for ids or names, once each, in order; an unknown one is refused."""
    ids = []
    for name in names:
        area = areas.find(str(name))
        if area is None:
            raise CapError(field_name, unknown.format(name))
        ids.append(area.id)
    return tuple(dict.fromkeys(ids))


def announcement_from_dict(data: dict[str, Any], areas: Areas, now: datetime | None = None,
                           default_expiry: timedelta = DEFAULT_EXPIRY) -> Announcement:
    """Validate a JSON-shaped announcement (the console form, the API and CAP XML share this).

    CAP's optional fields stay optional: a missing `expires` gets `default_expiry`, a missing
    `instruction` is derived from `responseType`, a long headline is shortened (the full one
    kept), and a Cancel needs nothing but what it cancels.
    """
    if not isinstance(data, dict):
        raise CapError("body", "must be a JSON object", 400)
    data = {CAMEL.get(k, k): v for k, v in _flatten_info(data).items()}
    now = now or datetime.now(VIETNAM)
    msg_type = _choice(data, "msg_type", MSG_TYPES, "Alert")
    references = _references(data.get("references"))
    if msg_type != "Alert" and not references:
        raise CapError("references", f"is required for {msg_type}")
    is_cancel = msg_type == "Cancel"
    has_info = bool(data.get("has_info", True))
    if data.get("expires"):
        expires, defaulted = parse_time(data["expires"], "expires"), bool(data.get("expires_defaulted"))
        if expires <= now:
            raise CapError("expires", "is in the past")
    else:
        expires, defaulted = now + default_expiry, True
    headline_full = _text(data, "headline_full", False) or _text(data, "headline", not is_cancel)
    response_types = data.get("response_types") or data.get("responseType") or []
    if isinstance(response_types, str):
        response_types = response_types.split()
    instruction = meaningful(_text(data, "instruction", False)) or instruction_for(list(response_types))
    target, area_desc, reasons = _target(data, areas)
    lenient = is_cancel and not has_info  # a bare all-clear takes the rest from what it cancels
    severity = _choice(data, "severity", SEVERITIES, "Unknown" if is_cancel else None)
    return Announcement(
        event=_text(data, "event", not is_cancel),
        headline=shorten(headline_full, HEADLINE_CHARS),
        description=meaningful(_text(data, "description", False)),
        instruction=instruction,
        severity=severity,
        urgency=_choice(data, "urgency", URGENCIES, "Unknown" if is_cancel else None),
        certainty=_choice(data, "certainty", CERTAINTIES, "Unknown" if is_cancel else None),
        expires=expires,
        msg_type=msg_type,
        references=references,
        target=target,
        category=_category(data.get("category")) if not lenient else "Safety",
        status=_choice(data, "status", STATUSES, "Actual"),
        sender=str(data.get("sender") or "").strip()[:200],
        identifier=str(data.get("identifier") or "").strip()[:200],
        sent=str(data.get("sent") or "").strip()[:40],
        headline_full=headline_full if headline_full != shorten(headline_full, HEADLINE_CHARS) else "",
        expires_defaulted=defaulted,
        area_desc=str(data.get("area_desc_text") or area_desc)[:500],
        area_reasons=tuple(data.get("area_reasons") or reasons),
        cap_references=tuple(data.get("cap_references") or references),
        language=str(data.get("language") or "vi")[:20],
        has_info=has_info,
        checkin=_checkin(data.get("checkin"), severity, msg_type),
    )


CHECKIN_SEVERITIES = ("Extreme", "Severe")
_NO = {"0", "false", "no", "off", "không", "khong"}


def _checkin(value: Any, severity: str, msg_type: str) -> bool:
    """Check-in buttons: as asked (JSON `checkin`, CAP <parameter> `checkin`, the composer's box),
    else on Severe and Extreme alerts; an all-clear asks nothing."""
    if msg_type == "Cancel":
        return False
    if value is None or value == "":
        return severity in CHECKIN_SEVERITIES
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in _NO


def _flatten_info(data: dict[str, Any]) -> dict[str, Any]:
    """CAP-JSON's `info` blocks (a list or one object) → flat fields: the vi block's text (else the
    first's), every block's areas."""
    infos = data.get("info")
    if infos in (None, "", []):
        return data
    infos = [infos] if isinstance(infos, dict) else infos
    if not isinstance(infos, list) or not all(isinstance(i, dict) for i in infos):
        raise CapError("info", "must be an object or a list of objects")
    chosen = next((i for i in infos if str(i.get("language", "")).lower().startswith("vi")), infos[0])
    areas = [a for info in infos for a in (info.get("area") if isinstance(info.get("area"), list)
                                           else [info["area"]] if info.get("area") else [])]
    flat = {k: v for k, v in data.items() if k != "info"}
    flat.update({k: v for k, v in chosen.items() if k != "area"})
    if areas and "target" not in data:
        flat["area"] = list({repr(a): a for a in areas}.values())
    return flat


def dict_from_cap(message: CapMessage) -> dict[str, Any]:
    """A parsed CAP message in the JSON shape `announcement_from_dict` reads (the preferred <info>)."""
    info = message.preferred_info()
    data: dict[str, Any] = {"identifier": message.identifier, "sender": message.sender, "sent": message.sent,
                            "status": message.status, "msg_type": message.msg_type,
                            "references": list(message.references), "has_info": info is not None}
    if info is None:
        if message.msg_type != "Cancel":
            raise CapError("info", f"an {message.msg_type or 'alert'} needs an <info> block to tell citizens anything")
        return data
    data.update({"category": info.category or "Other", "event": info.event, "urgency": info.urgency,
                 "severity": info.severity, "certainty": info.certainty, "expires": info.expires,
                 "headline": info.headline or info.event, "description": info.description,
                 "instruction": info.instruction, "response_types": list(info.response_types),
                 "language": info.language})
    checkin = next((value for name, value in info.parameters if name.strip().lower() == "checkin"), None)
    if checkin is not None:
        data["checkin"] = checkin
    return data


def announcement_from_cap(message: CapMessage, areas: Areas, now: datetime | None = None,
                          default_expiry: timedelta = DEFAULT_EXPIRY) -> Announcement:
    """A parsed CAP message: text from the vi block (else the first); areas from every block."""
    data = dict_from_cap(message)
    if message.infos:
        target, desc, reasons = target_of_cap_areas(list(message.all_areas()), areas)
        data.update(target=list(target), area_desc_text=desc, area_reasons=list(reasons))
    else:
        data["target"] = "all"  # a bare Cancel goes to whoever got what it cancels (the service decides)
    return announcement_from_dict(data, areas, now, default_expiry)


def announcement_from_cap_xml(document: str | bytes, areas: Areas, now: datetime | None = None,
                              default_expiry: timedelta = DEFAULT_EXPIRY) -> Announcement:
    """A CAP 1.2 (or 1.1) <alert>, every <info> block read."""
    return announcement_from_cap(parse_cap_xml(document), areas, now, default_expiry)
