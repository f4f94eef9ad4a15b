"""The commune and its areas (khu phố / ấp), loaded from data/areas.json. Pure lookups.

Each area may carry a GeoJSON `geometry` (Polygon or MultiPolygon, longitude then latitude) and a
`code` (mã ĐVHC, or the commune's own code for an ấp). The optional top-level `commune` names the
commune and its province (with their codes), so that an alert for the province or the commune by
name or code covers every follower.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from bot.config import DATA_DIR

AREAS_FILE = DATA_DIR / "areas.json"
# Words that name the kind of unit, not the unit: "Tỉnh Quảng Nam" and "Quảng Nam" are one place.
UNIT_WORDS = re.compile(r"^(tinh|thanh pho|tp\.?|xa|phuong|thi tran|huyen|quan|thi xa|ap|khu pho|kp|thon|to)\s+")


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    code: str = ""
    geometry: BaseGeometry | None = None


@dataclass(frozen=True)
class Place:
    """The commune or its province: what an alert "for the whole commune" names."""

    name: str
    code: str = ""
    aliases: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: 'Ấp  Bình An' → 'ap binh an'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.lower().split())


def name_keys(label: str) -> set[str]:
    """A name folded, with and without the word for its kind of unit."""
    folded = fold(label)
    return {folded, UNIT_WORDS.sub("", folded)} - {""}


class Areas:
    def __init__(self, areas: list[Area], commune: Place | None = None, province: Place | None = None,
                 commune_geometry: BaseGeometry | None = None) -> None:
        self.areas = areas
        self.commune, self.province = commune, province
        self.by_id = {a.id: a for a in areas}
        self._by_name: dict[str, Area] = {}
        for area in areas:
            for label in (area.id, area.name, *area.aliases):
                self._by_name.setdefault(fold(label), area)
        shapes = [a.geometry for a in areas if a.geometry is not None]
        self.geometry = commune_geometry or (unary_union(shapes) if shapes else None)

    def __iter__(self):
        return iter(self.areas)

    def find(self, label: str) -> Area | None:
        """An area by id, name or alias, ignoring case and diacritics."""
        return self.by_id.get(label) or self._by_name.get(fold(label))

    def name(self, area_id: str) -> str:
        area = self.by_id.get(area_id)
        return area.name if area else area_id

    def locate(self, longitude: float, latitude: float) -> Area | None:
        """The area whose polygon holds the point (a shared location), None outside every area."""
        point = Point(longitude, latitude)
        return next((a for a in self.areas if a.geometry is not None and a.geometry.covers(point)), None)

    def whole_places(self) -> list[Place]:
        return [p for p in (self.commune, self.province) if p is not None]


def _geometry(raw: Any, where: str) -> BaseGeometry | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"{where}: geometry must be a GeoJSON Polygon or MultiPolygon")
    geometry = shape(raw)
    return geometry if geometry.is_valid else geometry.buffer(0)


def _place(raw: Any) -> Place | None:
    if not raw:
        return None
    return Place(str(raw["name"]), str(raw.get("code", "")), tuple(raw.get("aliases", ())))


def parse_areas(document: dict) -> Areas:
    areas = [Area(str(a["id"]), str(a["name"]), tuple(a.get("aliases", ())), str(a.get("code", "")),
                  _geometry(a.get("geometry"), str(a["id"]))) for a in document["areas"]]
    commune = document.get("commune") or {}
    return Areas(areas, _place(commune), _place(commune.get("province")),
                 _geometry(commune.get("geometry"), "commune"))


@lru_cache(maxsize=4)
def load_areas(path: Path = AREAS_FILE) -> Areas:
    return parse_areas(json.loads(path.read_text(encoding="utf-8")))
