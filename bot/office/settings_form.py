"""The console's settings forms to and from the shipped files' JSON shapes, and what is still missing. Pure.

Each `*_from_form` takes the submitted fields and the section's current document and returns the new
document (keys the form does not show are kept), or raises SettingsError with a Vietnamese message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.office.current import SettingsError
from bot.office.hours import WEEKDAYS

WEEKDAY_LABELS = dict(zip(WEEKDAYS, ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"),
                          strict=True))
# Values the shipped files carry until a commune sets its own: the bot must not tell citizens these.
PLACEHOLDER = re.compile(r"đường Trung tâm xã|^Trụ sở UBND xã$|^UBND xã$|^$", re.IGNORECASE)
PHONE = re.compile(r"^\+?[0-9][0-9 .\-]{6,18}[0-9]$")
SESSION = re.compile(r"^\s*(\d{1,2}[:h]\d{2})\s*[-–]\s*(\d{1,2}[:h]\d{2})\s*$")
FIELD_CHARS = 300
DESCRIPTION_CHARS = 1000

Form = Mapping[str, str]


def _field(form: Form, name: str, label: str, limit: int = FIELD_CHARS) -> str:
    value = " ".join(str(form.get(name, "")).split()) if limit == FIELD_CHARS else str(form.get(name, "")).strip()
    if len(value) > limit:
        raise SettingsError(f"{label}: dài quá {limit} ký tự.")
    return value


def _phone(form: Form, name: str, label: str) -> str:
    value = _field(form, name, label)
    if value and (not PHONE.match(value) or sum(c.isdigit() for c in value) < 8):
        raise SettingsError(f"{label}: số điện thoại không hợp lệ (ví dụ 0274 3650 123).")
    return value


def _url(form: Form, name: str, label: str) -> str:
    value = _field(form, name, label)
    if value and not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
        raise SettingsError(f"{label}: cần một đường dẫn bắt đầu bằng https://")
    return value


def _service(form: Form, prefix: str, label: str, current: Mapping[str, Any]) -> dict[str, Any]:
    enabled = form.get(f"{prefix}_enabled") == "1"
    service = {**current, "enabled": enabled,
               "title": _field(form, f"{prefix}_title", f"{label} – tên"),
               "short": _field(form, f"{prefix}_short", f"{label} – tóm tắt"),
               "description": _field(form, f"{prefix}_description", f"{label} – mô tả", DESCRIPTION_CHARS)}
    if enabled and not service["title"]:
        raise SettingsError(f"{label}: cần tên dịch vụ khi bật.")
    return service


def commune_from_form(form: Form, current: Mapping[str, Any]) -> dict[str, Any]:
    name = _field(form, "name", "Tên xã")
    if not name:
        raise SettingsError("Tên xã: không được để trống (ví dụ UBND xã Bình An).")
    offices = dict(current.get("offices") or {})
    for key, label in (("ubnd", "Trụ sở UBND"), ("cong_an", "Công an xã")):
        offices[key] = {"name": _field(form, f"{key}_name", f"{label} – tên"),
                        "address": _field(form, f"{key}_address", f"{label} – địa chỉ"),
                        "phone": _phone(form, f"{key}_phone", f"{label} – điện thoại")}
    document = {**current, "name": name,
                "desk_name": _field(form, "desk_name", "Tên bộ phận một cửa"),
                "address": _field(form, "address", "Địa chỉ"),
                "phone": _phone(form, "phone", "Điện thoại"),
                "email": _field(form, "email", "Email"),
                "map_url": _url(form, "map_url", "Bản đồ"),
                "province": _field(form, "province", "Tỉnh"),
                "offices": offices}
    if form.get("monday_title") is not None:
        document["monday_service"] = _service(form, "monday", "Thứ Hai", current.get("monday_service") or {})
    if form.get("friday_title") is not None:
        friday = _service(form, "friday", "Thứ Sáu", current.get("friday_service") or {})
        friday["codes"] = [c for c in re.split(r"[\s,;]+", form.get("friday_codes", "")) if c]
        document["friday_service"] = friday
    return document


def _sessions(text: str, label: str) -> list[list[str]]:
    sessions = []
    for part in (p for p in re.split(r"[,;]", text) if p.strip()):
        found = SESSION.match(part)
        if not found:
            raise SettingsError(f"{label}: «{part.strip()}» cần dạng 07:30-11:30 (nhiều buổi cách nhau dấu phẩy).")
        opens, closes = (t.replace("h", ":").zfill(5) for t in found.groups())
        if closes <= opens:
            raise SettingsError(f"{label}: buổi {opens}-{closes} phải kết thúc sau khi bắt đầu.")
        sessions.append([opens, closes])
    return sessions


def _dates(text: str, label: str) -> list[str]:
    days = []
    for part in (p.strip() for p in re.split(r"[\s,;]+", text) if p.strip()):
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                days.append(datetime.strptime(part, pattern).date())
                break
            except ValueError:
                continue
        else:
            raise SettingsError(f"{label}: «{part}» không phải ngày (dd/mm/yyyy).")
    return [d.isoformat() for d in sorted(set(days))]


def hours_from_form(form: Form, current: Mapping[str, Any]) -> dict[str, Any]:
    week = {day: _sessions(form.get(f"week_{day}", ""), WEEKDAY_LABELS[day]) for day in WEEKDAYS}
    if not any(week.values()):
        raise SettingsError("Giờ làm việc: cần ít nhất một buổi trong tuần.")
    return {**current, "week": week,
            "summary": _field(form, "summary", "Giờ làm việc (câu trả lời)") or week_summary(week),
            "holidays": _dates(form.get("holidays", ""), "Ngày nghỉ lễ"),
            "working_days": _dates(form.get("working_days", ""), "Ngày làm bù")}


def week_summary(week: Mapping[str, list[list[str]]]) -> str:
    """"Thứ Hai: 07:30–11:30, 13:30–17:00; …" for the bot's hours answer when none is written."""
    parts = [f"{WEEKDAY_LABELS[d].lower()}: {', '.join(f'{a}–{b}' for a, b in week[d])}" for d in WEEKDAYS if week[d]]
    return "; ".join(parts)


def hours_fields(document: Mapping[str, Any]) -> dict[str, str]:
    """The form's text for each weekday, and the dates as dd/mm/yyyy lines."""
    week = document.get("week") or {}
    fields = {f"week_{d}": ", ".join(f"{a}-{b}" for a, b in week.get(d) or []) for d in WEEKDAYS}
    for key in ("holidays", "working_days"):
        fields[key] = "\n".join(date.fromisoformat(d).strftime("%d/%m/%Y") for d in document.get(key) or [])
    fields["summary"] = str(document.get("summary") or "")
    return fields


def canned_from_form(form: Form) -> list[dict[str, str]]:
    rows = []
    index = 0
    while f"title_{index}" in form:
        title, text = _field(form, f"title_{index}", "Tiêu đề"), str(form.get(f"text_{index}", "")).strip()
        if title or text:
            if not (title and text):
                raise SettingsError(f"Câu trả lời mẫu thứ {index + 1}: cần cả tiêu đề và nội dung.")
            rows.append({"id": form.get(f"id_{index}") or f"c{index + 1}", "title": title, "text": text})
        index += 1
    return rows


def _area_id(name: str, index: int) -> str:
    from bot.broadcasts.areas import fold

    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug or f"khu-vuc-{index}"


def areas_from_geojson(raw: Any, current: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (each feature's properties: name, optional id, code, aliases), or a
    document in data/areas.json's own shape, as the areas document (the commune's part is kept)."""
    if isinstance(raw, dict) and isinstance(raw.get("areas"), list):
        return {**current, **raw}
    if not isinstance(raw, dict) or raw.get("type") != "FeatureCollection" or not isinstance(raw.get("features"), list):
        raise SettingsError("Tệp khu vực cần là GeoJSON FeatureCollection (mỗi vùng một Feature có thuộc tính name).")
    areas = []
    for index, feature in enumerate(raw["features"], 1):
        props = feature.get("properties") or {} if isinstance(feature, dict) else {}
        name = str(props.get("name") or props.get("ten") or props.get("NAME") or "").strip()
        if not name:
            raise SettingsError(f"Vùng thứ {index}: thiếu thuộc tính name (tên ấp/khu phố).")
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise SettingsError(f"Vùng «{name}»: cần hình đa giác (GeoJSON Polygon hoặc MultiPolygon), "
                                "kinh độ trước, vĩ độ sau.")
        aliases = props.get("aliases") or []
        areas.append({"id": str(props.get("id") or _area_id(name, index)), "name": name,
                      "aliases": [str(a) for a in aliases] if isinstance(aliases, list) else [],
                      "code": str(props.get("code") or ""), "geometry": geometry})
    if not areas:
        raise SettingsError("Tệp khu vực không có vùng nào.")
    if len({a["id"] for a in areas}) != len(areas):
        raise SettingsError("Hai vùng trùng mã (id); đặt id khác nhau trong thuộc tính.")
    return {**current, "areas": areas}


def missing_office_facts(document: Mapping[str, Any]) -> list[str]:
    """What the commune section still lacks before going live (empty: complete)."""
    offices = document.get("offices") or {}
    ubnd = offices.get("ubnd") or {}
    missing = []
    if PLACEHOLDER.search(str(ubnd.get("name") or document.get("name") or "").strip()):
        missing.append("tên xã")
    if PLACEHOLDER.search(str(ubnd.get("address") or document.get("address") or "").strip()):
        missing.append("địa chỉ trụ sở")
    if not str(ubnd.get("phone") or document.get("phone") or "").strip():
        missing.append("số điện thoại")
    police = offices.get("cong_an") or {}
    if police.get("address") and PLACEHOLDER.search(str(police["address"])):
        missing.append("địa chỉ Công an xã")
    return missing


def deployment_from_form(form: Form) -> dict[str, str]:
    """The public address (https, what QR codes, public pages and Zalo's callbacks use) and the ids of the
    Zalo templates sent outside the 7-day window (ZNS/template ids are digits or short codes)."""
    base = _field(form, "public_base_url", "Địa chỉ công khai").rstrip("/")
    if base and not re.match(r"^https?://[^\s/?#]+(?:/[^\s?#]*)?$", base):
        raise SettingsError("Địa chỉ công khai: cần dạng https://bot.xa-binhan.gov.vn")
    document = {"public_base_url": base}
    for key, label in (("dossier_template_id", "Mẫu tin hồ sơ"), ("broadcast_template_id", "Mẫu tin thông báo")):
        value = _field(form, key, label)
        if value and not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", value):
            raise SettingsError(f"{label}: mã mẫu tin chỉ gồm chữ, số, gạch nối.")
        document[key] = value
    return document
