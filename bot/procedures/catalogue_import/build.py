"""Merging the three sources into the shipped catalogue (pure apart from reading the shared data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.procedures.catalogue import CATALOGUE_FORMAT, national_code
from bot.procedures.catalogue_import import sources
from bot.procedures.catalogue_import.garble import PhraseModel, StepIndex, StepStats, repair_steps
from bot.procedures.catalogue_import.life_events import build_life_events
from bot.procedures.catalogue_import.names import names_record
from bot.procedures.catalogue_import.readable import CleanStats, readable_documents
from bot.procedures.catalogue_import.records import from_raw, from_structured, raw_code
from bot.procedures.catalogue_import.text import one_line

# Both crawls were made in June–July 2026 (see ../shared/data/README.md); the archives name 07/2026.
CRAWLED_AT = "2026-07"


@dataclass
class ImportStats:
    documents: CleanStats = field(default_factory=CleanStats)
    steps: StepStats = field(default_factory=StepStats)


def build_catalogue(shared_data_dir: Path, stats: ImportStats | None = None) -> dict[str, Any]:
    """The catalogue as a JSON-ready dict: every named procedure, with details where an archive has them.

    Details: the raw portal crawl where it has the code (it carries fees and fee notes), else the
    structured set. The names list supplies the portal URL and issuer when an archive lacks them.
    """
    shared = Path(shared_data_dir)
    by_code: dict[str, dict[str, Any]] = {}
    for row in sources.names_rows(shared):
        record = names_record(row, CRAWLED_AT)
        by_code[record["code"]] = record

    stats = stats if stats is not None else ImportStats()
    raw, structured = parsed_records(shared)
    model, steps_index = step_references(raw + structured)
    for record in _detail_records(raw, structured):
        steps, unreliable = repair_steps(record["steps"], model, steps_index, stats.steps)
        record = {**_readable(record, stats.documents), "steps": steps, "steps_unreliable": unreliable}
        by_code[record["code"]] = _merge(by_code.get(record["code"]), record)

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
    """The record with documents a citizen can read (see bot.procedures.catalogue_import.readable)."""
    return {**record, "documents": readable_documents(record["documents"], stats)}


def parsed_records(shared: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every record of the raw crawl and of the structured set, in the catalogue's shape."""
    raw = [from_raw(record, CRAWLED_AT) | {"_own": _own_code(record)} for _path, record in sources.raw_records(shared)]
    structured = [from_structured(record, CRAWLED_AT) for _path, record in sources.structured_records(shared)]
    return raw, structured


def step_references(records: list[dict[str, Any]]) -> tuple[PhraseModel, StepIndex]:
    """The phrase model over every text of both archives, and every step as a possible clean copy."""
    texts = [
        (record["code"], text)
        for record in records
        for text in [*record["steps"], *record["requirements"], *(row[0] for row in record["documents"])]
    ]
    index = StepIndex()
    for record in records:
        for step in record["steps"]:
            index.add(step)
    return PhraseModel.from_texts(texts), index


def _own_code(record: dict[str, Any]) -> bool:
    """A few pages were fetched under another procedure's code: is this page filed under its own?"""
    return national_code(one_line(record.get("ma_thu_tuc"))) == national_code(raw_code(record))


def _detail_records(raw: list[dict[str, Any]], structured_records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One detail record per national code: the raw crawl's where it has one, else the structured set's.

    The raw crawl is preferred as a whole record (not field by field) so that a procedure's fee,
    time and documents always come from the same page. The legal basis is the exception: the
    structured set lists it already split into items, where the raw crawl glues the table's cells
    together, so it is taken from there whenever the structured set has the procedure.
    """
    structured: dict[str, dict[str, Any]] = {}
    for detail in structured_records:
        if detail["code"] and detail["code"] not in structured:
            structured[detail["code"]] = detail
    chosen: dict[str, dict[str, Any]] = {}
    for detail in raw:
        # The page's own code wins, and a record filed under its own code beats a stray copy.
        own = detail.pop("_own")
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
