"""Reading the shared reference data (the only I/O of the importer besides writing the result)."""

from __future__ import annotations

import csv
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RAW_ARCHIVE = "chatbot-tthc_dvcqg-raw-2642_2026-07.tar.gz"
STRUCTURED_ARCHIVE = "suzynotsusie_normalized-structured-2082_2026-07.tar.gz"
NAMES_CSV = "suzynotsusie_full-data_catalog-5608.csv"
LIFE_EVENTS_CSV = "suzynotsusie_citizen_procedure_mapping.csv"


def iter_archive_json(archive: Path, under: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (member path, parsed JSON) for every .json member whose path contains `under`, in path order."""
    # Read the stream once, in archive order (random access into a .tar.gz re-inflates from the start).
    found: list[tuple[str, bytes]] = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".json") and under in member.name:
                handle = tar.extractfile(member)
                if handle is not None:
                    found.append((member.name, handle.read()))
    for name, payload in sorted(found):
        yield name, json.loads(payload.decode("utf-8"))


def raw_records(shared: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    return iter_archive_json(shared / RAW_ARCHIVE, "/data/raw/")


def structured_records(shared: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    return iter_archive_json(shared / STRUCTURED_ARCHIVE, "normalized_structured/")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def names_rows(shared: Path) -> list[dict[str, str]]:
    return read_csv(shared / NAMES_CSV)


def life_event_rows(shared: Path) -> list[dict[str, str]]:
    return read_csv(shared / LIFE_EVENTS_CSV)
