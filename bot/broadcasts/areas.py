"""The commune's configurable areas (khu phố / ấp), loaded from data/areas.json. Pure lookups."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.config import DATA_DIR

AREAS_FILE = DATA_DIR / "areas.json"


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    aliases: tuple[str, ...] = ()


def _fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: 'Ấp  Bình An' → 'ap binh an'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.lower().split())


class Areas:
    def __init__(self, areas: list[Area]) -> None:
        self.areas = areas
        self.by_id = {a.id: a for a in areas}
        self._by_name: dict[str, Area] = {}
        for area in areas:
            for label in (area.id, area.name, *area.aliases):
                self._by_name.setdefault(_fold(label), area)

    def __iter__(self):  # noqa: ANN204
        return iter(self.areas)

    def find(self, label: str) -> Area | None:
        """An area by id, name or alias, ignoring case and diacritics."""
        return self.by_id.get(label) or self._by_name.get(_fold(label))

    def name(self, area_id: str) -> str:
        area = self.by_id.get(area_id)
        return area.name if area else area_id


def parse_areas(document: dict) -> Areas:
    return Areas([Area(str(a["id"]), str(a["name"]), tuple(a.get("aliases", ()))) for a in document["areas"]])


@lru_cache(maxsize=4)
def load_areas(path: Path = AREAS_FILE) -> Areas:
    return parse_areas(json.loads(path.read_text(encoding="utf-8")))
