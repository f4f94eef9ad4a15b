"""The commune's office as configuration: address, contacts, the desk's services (data/commune.json).

Hours and holidays are not repeated here: they come from bot/office/hours.py (data/office.json), so
that the bot's "mấy giờ làm việc" and the staff inbox's SLA clock never disagree.
`commune_info_from_dict` is pure; `commune_info_for(settings)` reads the file once per change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.config import DATA_DIR, Settings
from bot.office.hours import office_hours_for
from bot.procedures.catalogue import national_code
from bot.procedures.where_to_go import COMMUNE, POLICE, DeskService, Office, police_name

DEFAULT_FILE = DATA_DIR / "commune.json"


class CommuneInfoError(ValueError):
    pass


@dataclass(frozen=True)
class Service:
    """A named service of the desk: a title, a one-line summary for answers, the full explanation."""

    title: str
    short: str
    description: str
    codes: frozenset[str] = frozenset()

    @property
    def line(self) -> str:
        return f"{self.title}: {self.short}" if self.short else self.title


@dataclass(frozen=True)
class BankAccount:
    bank: str = ""
    number: str = ""
    holder: str = ""

    @property
    def known(self) -> bool:
        return bool(self.bank and self.number)


@dataclass(frozen=True)
class CommuneInfo:
    """The one description of the commune's offices: the office answers, procedure answers, posters and
    public pages all read it (procedures see it through bot.procedures.where_to_go.OfficeInfo)."""

    name: str
    desk_name: str = ""
    address: str = ""
    map_url: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""  # the summary of bot/office/hours.py, e.g. "thứ Hai đến thứ Sáu, sáng 7:30–11:30, …"
    monday: Service | None = None  # "ngày không viết"
    friday: Service | None = None  # "ngày không hẹn"
    postal_return: str = ""  # empty: not offered
    bank_payment: str = ""  # empty: not offered
    bank_account: BankAccount = BankAccount()
    police: Office | None = None  # Công an xã: căn cước, cư trú and the other police procedures

    @property
    def desk_services(self) -> tuple[Service, ...]:
        return tuple(s for s in (self.monday, self.friday) if s is not None)

    @property
    def services(self) -> tuple[DeskService, ...]:
        """The desk services worth a line under procedure answers and on posters."""
        services = []
        if self.monday is not None:  # "ngày không viết": only where there is a form to fill in
            services.append(DeskService(self.monday.line, self.monday.codes, "forms"))
        if self.friday is not None:  # same day: only ≤ 1 working day, or the procedures the commune lists
            services.append(DeskService(self.friday.line, self.friday.codes, "same_day"))
        return tuple(services)

    def office(self, key: str) -> Office:
        """The office a procedure sends the citizen to (bot.procedures.where_to_go.OfficeInfo)."""
        if key == POLICE:
            return self.police or Office(POLICE, police_name(self.name))
        return Office(COMMUNE, self.name, self.address, self.phone)


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise CommuneInfoError(f"{key!r} must be text")
    return value.strip()


def _service(raw: Any, key: str) -> Service | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise CommuneInfoError(f"{key!r} must be an object")
    if raw.get("enabled", True) is False:
        return None
    codes = raw.get("codes") or []
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise CommuneInfoError(f"{key}.codes must be a list of procedure codes")
    title = _text(raw, "title")
    if not title:
        raise CommuneInfoError(f"{key}.title is required when the service is enabled")
    return Service(title, _text(raw, "short"), _text(raw, "description"),
                   frozenset(national_code(c) for c in codes if c.strip()))


def _offered(raw: Any, key: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CommuneInfoError(f"{key!r} must be an object")
    return {} if raw.get("enabled", True) is False else raw


def _offices(raw: Any) -> dict[str, dict[str, Any]]:
    """"offices": {"ubnd": {"name", "address", "phone"}, "cong_an": {…}}, validated."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise CommuneInfoError("'offices' must map office keys (ubnd, cong_an) to objects")
    unknown = set(raw) - {COMMUNE, POLICE}
    if unknown:
        raise CommuneInfoError(f"unknown office key(s) {sorted(unknown)}: use 'ubnd' and 'cong_an'")
    return raw


def commune_info_from_dict(raw: dict[str, Any], *, default_name: str = "", default_phone: str = "",
                           hours: str = "") -> CommuneInfo:
    """Build from the JSON shape of data/commune.json. Pure."""
    if not isinstance(raw, dict):
        raise CommuneInfoError("the commune file must hold one JSON object")
    postal = _offered(raw.get("postal_return"), "postal_return")
    bank = _offered(raw.get("bank_payment"), "bank_payment")
    offices = _offices(raw.get("offices"))
    desk, police = offices.get(COMMUNE, {}), offices.get(POLICE, {})
    name = _text(desk, "name") or _text(raw, "name") or default_name
    return CommuneInfo(
        name=name,
        desk_name=_text(raw, "desk_name"),
        address=_text(desk, "address") or _text(raw, "address"),
        map_url=_text(raw, "map_url"),
        phone=_text(desk, "phone") or _text(raw, "phone") or default_phone,
        police=Office(POLICE, _text(police, "name") or police_name(name), _text(police, "address"),
                      _text(police, "phone")),
        email=_text(raw, "email"),
        hours=hours,
        monday=_service(raw.get("monday_service"), "monday_service"),
        friday=_service(raw.get("friday_service"), "friday_service"),
        postal_return=_text(postal, "description") if postal else "",
        bank_payment=_text(bank, "description") if bank else "",
        bank_account=BankAccount(_text(bank, "bank"), _text(bank, "account_number"), _text(bank, "account_name"))
        if bank else BankAccount(),
    )


def commune_file(settings: Settings) -> Path:
    """data/commune.json for the environment's commune; data/communes/<slug>.json for another tenant
    (bot/tenants), which never borrows the first commune's address, phone or bank account."""
    return DATA_DIR / "communes" / f"{settings.tenant}.json" if settings.tenant else DEFAULT_FILE


def load_commune_info(settings: Settings, path: Path | None = None) -> CommuneInfo:
    path = path or commune_file(settings)
    raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return commune_info_from_dict(raw, default_name=settings.commune_name, default_phone=settings.office_phone,
                                  hours=office_hours_for(settings).summary)


def commune_info_for(settings: Settings, path: Path | None = None) -> CommuneInfo:
    """`load_commune_info`, re-read only when the file changes (officials edit it without a restart)."""
    path = path or commune_file(settings)
    return _cached(settings, path, path.stat().st_mtime_ns if path.exists() else 0)


@lru_cache(maxsize=16)
def _cached(settings: Settings, path: Path, mtime_ns: int) -> CommuneInfo:
    return load_commune_info(settings, path)
