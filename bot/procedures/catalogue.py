"""The procedure catalogue: the model and its loader.

The catalogue is built offline by `flask --app wsgi import-catalogue` (bot.procedures.catalogue_import) from
the public crawls of the National Public Service Portal and shipped as one gzip JSON file in data/.
Everything here is read-only at run time; all text is NFC.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.config import DATA_DIR

CATALOGUE_FILE = DATA_DIR / "catalogue.json.gz"
CATALOGUE_FORMAT = 2  # 2: documents carry case and heading; procedures steps_unreliable

# Level tokens, in the order a commune bot cares about them.
LEVELS = ("xa", "huyen", "tinh", "trung_uong")
LEVEL_LABELS = {"xa": "Cấp xã", "huyen": "Cấp huyện", "tinh": "Cấp tỉnh", "trung_uong": "Cấp trung ương"}


@dataclass(frozen=True)
class Channel:
    """One way to submit: "Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính" (as the portal names it)."""

    channel: str
    time_text: str
    fee_text: str
    note: str  # the fee's own note (who sets it, exemptions): never show the fee without it
    description: str = ""  # the portal's "Mô tả" cell for this channel


@dataclass(frozen=True)
class Document:
    """One paper of the dossier; counts are None when the source does not say."""

    name: str
    original_count: int | None
    copy_count: int | None
    conditions: str
    group: str  # "required", "conditional", "presented" or the portal's own group heading
    # The case the paper belongs to ("Trường hợp trẻ em bị bỏ rơi", "Đối với doanh nghiệp…"): the
    # case heading the portal lists it under, else its own leading "Trường hợp … thì" clause.
    # "" = needed in every case, so a renderer can show the common case first or ask which applies.
    case: str = ""
    # The header line the paper is listed under ("Giấy tờ chứng minh … là một trong các giấy tờ sau"),
    # without its colon; "" when none. Headers are never documents themselves.
    heading: str = ""


@dataclass(frozen=True)
class Procedure:
    """One procedure of the national catalogue, as the importer cleaned it.

    `documents` are readable (see bot.procedures.catalogue_import.readable): no sentences addressed to the
    office, no header lines as items, each with the `case` it applies to. `steps_unreliable` is True
    when the source's steps were garbled (text spliced mid-phrase) and no clean copy existed: the
    garbled steps were left out, so answers should point to `portal_url` for the full steps.
    """

    code: str
    name: str
    field: str
    levels: tuple[str, ...]
    agencies: tuple[str, ...]
    channels: tuple[Channel, ...]
    documents: tuple[Document, ...]
    steps: tuple[str, ...]
    requirements: tuple[str, ...]
    legal_basis: tuple[str, ...]
    results: tuple[str, ...]
    portal_url: str
    source: str  # "dvcqg-raw", "structured" or "names" (which archive the details come from)
    crawled_at: str  # "YYYY-MM"
    province: str | None  # e.g. "H56" for a province-specific variant, None for the national one
    has_details: bool
    issuer: str = ""  # the body that published the procedure (ministry or provincial People's Committee)
    target_users: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()  # template file names the portal attaches ("Mẫu 01.docx")
    # True when the source's steps text was garbled (spliced mid-phrase) and no clean copy was found:
    # the garbled steps were left out, so `steps` is incomplete; point the citizen to `portal_url`.
    steps_unreliable: bool = False

    @property
    def has_fee(self) -> bool:
        return any(c.fee_text for c in self.channels)


@dataclass(frozen=True)
class LifeEvent:
    """A citizen life-event group of the portal (e.g. 750 "Có con nhỏ")."""

    id: str
    title: str
    codes: tuple[str, ...]
    key: str = ""  # the source's slug, e.g. "co_con_nho"


@dataclass(frozen=True)
class Catalogue:
    procedures: dict[str, Procedure]
    life_events: dict[str, LifeEvent]
    built_at: str = ""
    sources: tuple[str, ...] = ()
    # Codes of the same procedure published with a province suffix, mapped to the national code.
    aliases: dict[str, str] = field(default_factory=dict)

    def get(self, code: str) -> Procedure | None:
        code = code.strip()
        found = self.procedures.get(code)
        if found is None and code in self.aliases:
            found = self.procedures.get(self.aliases[code])
        if found is None:
            found = self.procedures.get(national_code(code))
        return found

    def __len__(self) -> int:
        return len(self.procedures)


def national_code(code: str) -> str:
    """`1.001776.000.00.00.H56` -> `1.001776`: the national code is the first two dot parts."""
    parts = code.strip().split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else code.strip()


def province_of(code: str) -> str | None:
    """`1.001776.000.00.00.H56` -> `H56`; None for a plain national code."""
    parts = code.strip().split(".")
    if len(parts) > 2 and parts[-1] and parts[-1][0].isalpha():
        return parts[-1]
    return None


# ---- reading the shipped file: compact lists, so it stays small and loads fast ----

def procedure_from_json(raw: dict[str, Any]) -> Procedure:
    return Procedure(
        code=raw["code"],
        name=raw["name"],
        field=raw.get("field", ""),
        levels=tuple(raw.get("levels", ())),
        agencies=tuple(raw.get("agencies", ())),
        channels=tuple(Channel(*c) for c in raw.get("channels", ())),
        documents=tuple(Document(*d) for d in raw.get("documents", ())),
        steps=tuple(raw.get("steps", ())),
        requirements=tuple(raw.get("requirements", ())),
        legal_basis=tuple(raw.get("legal_basis", ())),
        results=tuple(raw.get("results", ())),
        portal_url=raw.get("portal_url", ""),
        source=raw.get("source", ""),
        crawled_at=raw.get("crawled_at", ""),
        province=raw.get("province"),
        has_details=bool(raw.get("has_details", False)),
        issuer=raw.get("issuer", ""),
        target_users=tuple(raw.get("target_users", ())),
        forms=tuple(raw.get("forms", ())),
        steps_unreliable=bool(raw.get("steps_unreliable", False)),
    )


def catalogue_from_json(raw: dict[str, Any]) -> Catalogue:
    procedures = {p["code"]: procedure_from_json(p) for p in raw["procedures"]}
    events = {
        e["id"]: LifeEvent(id=e["id"], title=e["title"], codes=tuple(e["codes"]), key=e.get("key", ""))
        for e in raw.get("life_events", ())
    }
    return Catalogue(
        procedures=procedures,
        life_events=events,
        built_at=raw.get("built_at", ""),
        sources=tuple(raw.get("sources", ())),
        aliases=dict(raw.get("aliases", {})),
    )


def write_catalogue(data: dict[str, Any], path: Path) -> None:
    """Write the importer's dict deterministically (sorted input, fixed gzip mtime) so rebuilds diff cleanly."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(payload)


def read_catalogue_json(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rb") as fh:
        return json.loads(fh.read())


@lru_cache(maxsize=4)
def _load_cached(path: Path, mtime_ns: int) -> Catalogue:
    return catalogue_from_json(read_catalogue_json(path))


def catalogue_loaded() -> bool:
    """Whether this process has loaded a catalogue (for /readyz, which does not load it)."""
    return _load_cached.cache_info().currsize > 0


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load the shipped catalogue (data/catalogue.json.gz by default); cached per file version."""
    path = Path(path or CATALOGUE_FILE).resolve()
    return _load_cached(path, path.stat().st_mtime_ns)
