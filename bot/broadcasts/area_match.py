"""Which of the commune's areas a CAP <area> covers: by geocode, by polygon or circle, by name. Pure.

An area that covers the whole commune (the commune's or the province's code or name, or a shape
that contains the commune) targets every follower; otherwise the ấp/khu phố it touches.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from shapely import affinity
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from bot.broadcasts.areas import Areas, fold, name_keys
from bot.broadcasts.cap_xml import CapArea

KM_PER_DEGREE = 111.32
# A shape that covers this share of the commune counts as the whole commune (outlines differ a little).
WHOLE_SHARE = 0.98


@dataclass(frozen=True)
class AreaMatch:
    target: tuple[str, ...]  # ("all",) or area ids; () when nothing of the commune is covered
    reasons: tuple[str, ...]  # for the approver, in Vietnamese: how each part matched

    @property
    def matched(self) -> bool:
        return bool(self.target)


def cap_area_shape(area: CapArea) -> BaseGeometry | None:
    """The CAP area's polygons and circles as one shape in (lon, lat), or None."""
    parts: list[BaseGeometry] = []
    for ring in area.polygons:
        polygon = Polygon([(lon, lat) for lat, lon in ring])
        parts.append(polygon if polygon.is_valid else polygon.buffer(0))
    for lat, lon, radius_km in area.circles:
        # Degrees of longitude shrink with latitude: an ellipse in degrees is a circle on the ground.
        disc = Point(lon, lat).buffer(max(radius_km, 0.01) / KM_PER_DEGREE, quad_segs=16)
        parts.append(affinity.scale(disc, xfact=1 / max(math.cos(math.radians(lat)), 0.01), yfact=1.0))
    parts = [p for p in parts if not p.is_empty]
    return unary_union(parts) if parts else None


def _name_parts(desc: str) -> list[str]:
    """The folded names an areaDesc lists ("Ấp 1, Ấp 2; Xã Bình An" → three names)."""
    parts = [fold(part) for part in re.split(r"[,;/()]| và | and ", desc) if fold(part)]
    return list(dict.fromkeys([fold(desc), *parts])) if fold(desc) else parts


def match_area(area: CapArea, areas: Areas) -> AreaMatch:
    ids: list[str] = []
    reasons: list[str] = []
    codes = {value.strip() for _, value in area.geocodes if value.strip()}
    for place in areas.whole_places():
        if place.code and place.code in codes:
            return AreaMatch(("all",), (f"mã địa bàn {place.code} ({place.name})",))
    for candidate in areas:
        if candidate.code and candidate.code in codes:
            ids.append(candidate.id)
            reasons.append(f"mã địa bàn {candidate.code} ({candidate.name})")
    shape = cap_area_shape(area)
    if shape is not None and areas.geometry is not None and shape.intersects(areas.geometry):
        covered = shape.intersection(areas.geometry).area
        if areas.geometry.area > 0 and covered >= WHOLE_SHARE * areas.geometry.area:
            return AreaMatch(("all",), ("vùng cảnh báo bao trùm toàn xã",))
        for candidate in areas:
            if candidate.geometry is not None and shape.intersection(candidate.geometry).area > 0:
                ids.append(candidate.id)
                share = shape.intersection(candidate.geometry).area / candidate.geometry.area
                reasons.append(f"vùng cảnh báo phủ {share:.0%} {candidate.name}" if share >= 0.01
                               else f"vùng cảnh báo chạm {candidate.name}")
    if shape is not None and areas.geometry is not None:
        return AreaMatch(tuple(dict.fromkeys(ids)), tuple(dict.fromkeys(reasons)))  # the shape decides, not the name
    for part in _name_parts(area.desc):
        named = [c for c in areas if part in {fold(label) for label in (c.name, *c.aliases)}]
        if named:  # an ấp's own name wins over a commune or province of the same name
            ids += [c.id for c in named]
            reasons.append(f"tên địa bàn «{area.desc}»")
            continue
        for place in areas.whole_places():
            if name_keys(part) & (name_keys(place.name) | {k for alias in place.aliases for k in name_keys(alias)}):
                return AreaMatch(("all",), (f"tên địa bàn «{area.desc}» ({place.name})",))
    return AreaMatch(tuple(dict.fromkeys(ids)), tuple(dict.fromkeys(reasons)))


def match_areas(cap_areas: Iterable[CapArea], areas: Areas) -> AreaMatch:
    """All the CAP areas together; no <area> at all means the sender's whole jurisdiction (everyone)."""
    cap_areas = list(cap_areas)
    if not cap_areas:
        return AreaMatch(("all",), ("thông báo không giới hạn khu vực",))
    ids: list[str] = []
    reasons: list[str] = []
    for area in cap_areas:
        found = match_area(area, areas)
        if found.target == ("all",):
            return found
        ids += found.target
        reasons += found.reasons
    return AreaMatch(tuple(dict.fromkeys(ids)), tuple(dict.fromkeys(reasons)))
