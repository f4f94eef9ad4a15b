"""The commune's configuration as it stands now: the console's settings over the shipped files.

Web and worker call `office_config(client, settings)`; it costs one Redis GET (the version) and
rebuilds only when an official saved a change in the console, so nothing needs a restart. Inside
`office_version_known` (the worker, for one event whose first round trip read the version) it costs
none. If Redis fails, the last configuration read serves (or the shipped files, before any was read).
`validate_section` is what the console runs before storing: the same parsers the readers use.
"""

from __future__ import annotations

import json
import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import redis

from bot.broadcasts.areas import AREAS_FILE, Areas, parse_areas
from bot.config import DATA_DIR, Settings
from bot.office.hours import DEFAULT_FILE as HOURS_FILE
from bot.office.hours import OfficeHours, OfficeHoursError, office_hours_from_dict
from bot.office.info import CommuneInfo, CommuneInfoError, commune_file, commune_info_from_dict
from bot.stores.event_known import EventKnown
from bot.stores.office_config import SECTIONS, OfficeConfigStore

log = logging.getLogger(__name__)
CANNED_FILE = DATA_DIR / "canned_replies.json"
MAX_CANNED = 100
MAX_CANNED_CHARS = 2000


class SettingsError(ValueError):
    """A section that cannot be used; the message is Vietnamese, for the official who typed it."""


@dataclass(frozen=True)
class OfficeConfig:
    version: int
    documents: dict[str, Any]  # the effective document of each section, in its file's shape
    info: CommuneInfo
    hours: OfficeHours
    areas: Areas
    canned: tuple[dict[str, str], ...] = ()
    customised: frozenset[str] = field(default_factory=frozenset)  # sections set in the console

    @property
    def province(self) -> str:
        return str(self.documents["commune"].get("province") or "").strip()

    def over(self, settings: Settings) -> Settings:
        """`settings` with what officials set in the console in place of the environment's values."""
        deployment = self.documents["deployment"]
        return replace(
            settings, commune_name=self.info.name,
            public_base_url=str(deployment.get("public_base_url") or "").rstrip("/"),
            broadcast_template_id=str(deployment.get("broadcast_template_id") or ""),
            dossier=replace(settings.dossier, template_id=str(deployment.get("dossier_template_id") or "")),
        )


DEPLOYMENT_KEYS = ("public_base_url", "dossier_template_id", "broadcast_template_id")


def default_file(section: str, settings: Settings) -> Path:
    if section == "hours":
        return Path(settings.office_hours_file) if settings.office_hours_file else HOURS_FILE
    if section == "commune":
        return commune_file(settings)
    if section == "areas" and settings.tenant:  # another commune's OA (bot/tenants): its own areas
        return DATA_DIR / "communes" / f"{settings.tenant}.areas.json"
    return {"areas": AREAS_FILE, "canned": CANNED_FILE}[section]


def default_document(section: str, settings: Settings) -> Any:
    if section == "deployment":  # no file: the environment is the default
        return {"public_base_url": settings.public_base_url, "dossier_template_id": settings.dossier.template_id,
                "broadcast_template_id": settings.broadcast_template_id}
    path = default_file(section, settings)
    if settings.tenant and not path.exists():
        # Another commune never borrows the first one's desk facts or areas: none until its officials
        # upload them in its console (/t/<slug>/console/settings).
        return {"areas": [], "commune": {"name": settings.commune_name}} if section == "areas" else {}
    return json.loads(path.read_text(encoding="utf-8"))


def canned_from_list(raw: Any) -> tuple[dict[str, str], ...]:
    if not isinstance(raw, list):
        raise SettingsError("Câu trả lời mẫu phải là một danh sách.")
    if len(raw) > MAX_CANNED:
        raise SettingsError(f"Tối đa {MAX_CANNED} câu trả lời mẫu.")
    found = []
    for index, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not all(str(item.get(k, "")).strip() for k in ("title", "text")):
            raise SettingsError(f"Câu trả lời mẫu thứ {index} cần có tiêu đề và nội dung.")
        text = str(item["text"]).strip()
        if len(text) > MAX_CANNED_CHARS:
            raise SettingsError(f"Câu trả lời mẫu thứ {index} dài quá {MAX_CANNED_CHARS} ký tự.")
        found.append({"id": str(item.get("id") or f"c{index}"), "title": str(item["title"]).strip(), "text": text})
    return tuple(found)


def build_config(documents: dict[str, Any], settings: Settings, version: int = 0,
                 customised: frozenset[str] = frozenset()) -> OfficeConfig:
    """Every section parsed; raises SettingsError naming the section that fails. Pure."""
    try:
        hours = office_hours_from_dict(documents["hours"], settings.office_holidays)
    except (OfficeHoursError, TypeError, AttributeError, KeyError) as exc:
        raise SettingsError(f"Giờ làm việc không hợp lệ: {exc}") from exc
    try:
        info = commune_info_from_dict(documents["commune"], default_name=settings.commune_name,
                                      default_phone=settings.office_phone, hours=hours.summary)
    except (CommuneInfoError, TypeError, AttributeError) as exc:
        raise SettingsError(f"Thông tin xã không hợp lệ: {exc}") from exc
    try:
        areas = parse_areas(documents["areas"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SettingsError(f"Danh sách khu vực không hợp lệ: {exc}") from exc
    canned = canned_from_list(documents["canned"])
    deployment = documents["deployment"]
    if not isinstance(deployment, dict) or not all(isinstance(deployment.get(k, ""), str) for k in DEPLOYMENT_KEYS):
        raise SettingsError("Cấu hình triển khai không hợp lệ.")
    return OfficeConfig(version, documents, info, hours, areas, canned, customised)


def validate_section(section: str, document: Any, settings: Settings, current: OfficeConfig) -> OfficeConfig:
    """The configuration as it would be with `document` as `section`; raises SettingsError."""
    if section not in SECTIONS:
        raise SettingsError("Mục cài đặt không tồn tại.")
    return build_config({**current.documents, section: document}, settings, current.version)


def defaults(settings: Settings) -> OfficeConfig:
    return build_config({s: default_document(s, settings) for s in SECTIONS}, settings)


# The version an event's first round trip read, for the key prefix (the tenant) it was read for.
_KNOWN_VERSION: EventKnown[int] = EventKnown("office_version_known")


def office_version_known(settings: Settings, version: int) -> AbstractContextManager[None]:
    """While one event is handled: the version its first round trip read, so that `office_config`
    (asked by the matcher and the answers, two or three times an event) asks Redis nothing more."""
    return _KNOWN_VERSION.scope(settings.key_prefix, version)


def _version(store: OfficeConfigStore, settings: Settings) -> int:
    known = _KNOWN_VERSION.get(settings.key_prefix)
    return store.version() if known is None else known


# Per Redis server and settings (the environment supplies the defaults); a process has one of each.
_CACHE: dict[tuple[str, Settings], OfficeConfig] = {}
MAX_CACHED = 16


def office_config(client: redis.Redis, settings: Settings) -> OfficeConfig:
    """The configuration now in force (see the module's docstring)."""
    cache_key = (repr(client.connection_pool), settings)
    cached = _CACHE.get(cache_key)
    store = OfficeConfigStore(client, settings)
    try:
        if cached is not None and _version(store, settings) == cached.version:
            return cached
        version, stored = store.snapshot()
    except redis.RedisError:
        return cached or defaults(settings)
    documents = {s: stored[s] if s in stored else default_document(s, settings) for s in SECTIONS}
    try:
        config = build_config(documents, settings, version, frozenset(stored))
    except SettingsError as exc:  # stored before a parser grew stricter: the shipped files serve meanwhile
        log.warning("stored office settings unusable, shipped defaults serve", extra={"error": str(exc)})
        config = build_config({s: default_document(s, settings) for s in SECTIONS}, settings, version)
    if len(_CACHE) >= MAX_CACHED:
        _CACHE.clear()
    _CACHE[cache_key] = config
    return config


def effective_settings(client: redis.Redis, settings: Settings) -> Settings:
    """The settings as the console has them now: the commune's name, public address and template ids."""
    return office_config(client, settings).over(settings)
