"""data/areas.json as geography, and how CAP areas meet it. Pure."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.broadcasts.area_match import match_area, match_areas
from bot.broadcasts.areas import AREAS_FILE, load_areas, parse_areas
from bot.broadcasts.cap_xml import CapArea


def test_the_demo_commune_ships_polygons_in_longitude_latitude_order() -> None:
    document = json.loads(AREAS_FILE.read_text(encoding="utf-8"))
    for area in document["areas"]:
        assert area["geometry"]["type"] in ("Polygon", "MultiPolygon") and area["code"]
        for lon, lat in area["geometry"]["coordinates"][0]:
            assert 102 <= lon <= 110 and 8 <= lat <= 24, "Vietnam: longitude first"
    areas = load_areas()
    assert areas.geometry is not None and areas.geometry.is_valid
    assert not any(a.geometry.overlaps(b.geometry) for a in areas for b in areas if a is not b)


def test_codes_names_and_shapes() -> None:
    areas = load_areas()
    assert match_area(CapArea("x", geocodes=(("MA_DVHC", "99901-03"),)), areas).target == ("ap-3",)
    assert match_area(CapArea("x", geocodes=(("MA_DVHC", "75"),)), areas).target == ("all",)
    assert match_area(CapArea("Xã Bình An"), areas).target == ("all",)  # the commune
    assert match_area(CapArea("Bình An"), areas).target == ("ap-binh-an",)  # an ấp's own alias wins
    assert match_area(CapArea("TỈNH ĐỒNG NAI"), areas).target == ("all",)
    assert match_area(CapArea("Ấp 1, Khu phố Chợ"), areas).target == ("ap-1", "kp-cho")
    assert match_area(CapArea("Tỉnh Cà Mau"), areas).target == ()
    # A 1 km circle centred on the corner of four ấp touches exactly those four.
    corner = match_area(CapArea("Tâm", circles=((10.95, 106.72, 1.0),)), areas)
    assert sorted(corner.target) == ["ap-1", "ap-2", "ap-binh-an", "kp-tan-lap"]
    # A shape elsewhere in the province does not reach the commune because of its name.
    far = CapArea("Tỉnh Đồng Nai", polygons=(((11.5, 107.0), (11.5, 107.1), (11.6, 107.1), (11.5, 107.0)),))
    assert match_area(far, areas).target == ()
    assert match_areas([], areas).target == ("all",)


def test_multipolygons_and_bad_geometry() -> None:
    square = [[[106.0, 10.0], [106.1, 10.0], [106.1, 10.1], [106.0, 10.1], [106.0, 10.0]]]
    island = [[[106.5, 10.5], [106.6, 10.5], [106.6, 10.6], [106.5, 10.6], [106.5, 10.5]]]
    areas = parse_areas({"areas": [{"id": "a", "name": "Ấp đảo",
                                    "geometry": {"type": "MultiPolygon", "coordinates": [square, island]}}]})
    on_island = CapArea("x", polygons=(((10.55, 106.55), (10.55, 106.56), (10.56, 106.56), (10.55, 106.55)),))
    assert match_area(on_island, areas).target == ("a",)
    with pytest.raises(ValueError):
        parse_areas({"areas": [{"id": "a", "name": "A", "geometry": {"type": "Point", "coordinates": [1, 2]}}]})


coordinate = st.tuples(st.floats(10.8, 11.1, allow_nan=False), st.floats(106.6, 106.9, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(rings=st.lists(st.lists(coordinate, min_size=4, max_size=12), max_size=3),
       circles=st.lists(st.tuples(st.floats(10.8, 11.1), st.floats(106.6, 106.9), st.floats(0, 50)), max_size=2),
       codes=st.lists(st.sampled_from(["75", "99901-02", "", "x"]), max_size=2))
def test_any_shape_matches_without_error(rings: list, circles: list, codes: list) -> None:
    """Bow-ties, repeated points, zero radii: a shape either covers parts of the commune or not."""
    area = CapArea("Vùng", polygons=tuple(tuple(ring) for ring in rings), circles=tuple(circles),
                   geocodes=tuple(("MA_DVHC", c) for c in codes))
    found = match_area(area, load_areas())
    assert found.target == ("all",) or set(found.target) <= {a.id for a in load_areas()}
