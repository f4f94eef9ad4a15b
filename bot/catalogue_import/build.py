"""Merging the three sources into the shipped catalogue (pure apart from reading the shared data)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.catalogue import CATALOGUE_FORMAT, national_code
from bot.catalogue_import import sources
from bot.catalogue_import.life_events import build_life_events
from bot.catalogue_import.names import names_record
from bot.catalogue_import.readable import CleanStats, readable_documents
from bot.catalogue_import.records import from_raw, from_structured
from bot.catalogue_import.text import one_line

# Both crawls were made in June–July 2026 (see ../shared/data/README.md); the archives name 07/2026.
CRAWLED_AT = "2026-07"


def build_catalogue(shared_data_dir: Path, stats: CleanStats | None = None) -> dict[str, Any]:
    """The catalogue as a JSON-ready dict: every named procedure, with details where an archive has them.

    Details: the raw portal crawl where it has the code (it carries fees and fee notes), else the
    structured set. The names list supplies the portal URL and issuer when an archive lacks them.
    """
    shared = Path(shared_data_dir)
    by_code: dict[str, dict[str, Any]] = {}
    for row in sources.names_rows(shared):
        record = names_record(row, CRAWLED_AT)
        by_code[record["code"]] = record

    stats = stats if stats is not None else CleanStats()
    for record in _detail_records(shared):
        by_code[record["code"]] = _merge(by_code.get(record["code"]), _readable(record, stats))

    procedures = [by_code[code] for code in sorted(by_code)]
    return {
        "format": CATALOGUE_FORMAT,
        "built_at": datetime.now(UTC).strftime("%Y-%m-%d"),
        "sources": [sources.NAMES_CSV, sources.RAW_ARCHIVE, sources.STRUCTURED_ARCHIVE, sources.LIFE_EVENTS_CSV],
        "procedures": procedures,
        "life_events": build_life_events(sources.life_event_rows(shared), by_code),
        "aliases": {},
    }


def _readable(record: dict[str, Any], stats: CleanStats) -> dict[str, Any]:
    """The record with documents a citizen can read (see bot.catalogue_import.readable)."""
    return {**record, "documents": readable_documents(record["documents"], stats)}


def _detail_records(shared: Path) -> list[dict[str, Any]]:
    """One detail record per national code: the raw crawl's where it has one, else the structured set's.

    The raw crawl is preferred as a whole record (not field by field) so that a procedure's fee,
    time and documents always come from the same page. The legal basis is the exception: the
    structured set lists it already split into items, where the raw crawl glues the table's cells
    together, so it is taken from there whenever the structured set has the procedure.
    """
    structured: dict[str, dict[str, Any]] = {}
    for _path, record in sources.structured_records(shared):
        detail = from_structured(record, CRAWLED_AT)
        if detail["code"] and detail["code"] not in structured:
            structured[detail["code"]] = detail
    chosen: dict[str, dict[str, Any]] = {}
    for _path, record in sources.raw_records(shared):
        detail = from_raw(record, CRAWLED_AT)
        # A few pages were fetched under another procedure's code: the page's own code wins, and a
        # record filed under its own code beats a stray copy.
        own = national_code(one_line(record.get("ma_thu_tuc"))) == detail["code"]
        if detail["code"] not in chosen or own:
            chosen[detail["code"]] = detail
    for code, detail in chosen.items():
        if code in structured and structured[code]["legal_basis"]:
            detail["legal_basis"] = structured[code]["legal_basis"]
    for code, detail in structured.items():
        chosen.setdefault(code, detail)
    return [chosen[code] for code in sorted(chosen)]


def _merge(base: dict[str, Any] | None, detail: dict[str, Any]) -> dict[str, Any]:
    """Details win; the names list fills what the detail record leaves empty (URL, issuer, agencies)."""
    if base is None:
        return detail
    merged = dict(detail)
    for key in ("portal_url", "issuer", "agencies", "field", "province"):
        if not merged.get(key) and base.get(key):
            merged[key] = base[key]
    return merged
