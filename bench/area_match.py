"""How long matching a CAP alert's area to the commune takes, as a ratio to matching by name alone.

    .venv/bin/python bench/area_match.py

Against the demo commune (data/areas.json, six ấp polygons): an area named like an ấp (the
baseline), a small polygon over one ấp, a 64 km circle, and a province-sized polygon of 5,000 points
(real provincial outlines have a few thousand). Each figure is the mean of many runs in this process.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.broadcasts.area_match import match_areas
from bot.broadcasts.areas import load_areas
from bot.broadcasts.cap_xml import CapArea


def mean_seconds(area: CapArea, runs: int) -> float:
    areas = load_areas()
    started = time.perf_counter()
    for _ in range(runs):
        match_areas([area], areas)
    return (time.perf_counter() - started) / runs


def main() -> None:
    ring = tuple((10.95 + 0.45 * math.sin(2 * math.pi * t / 5000), 106.73 + 0.45 * math.cos(2 * math.pi * t / 5000))
                 for t in range(5001))
    cases = [
        ("name of an ấp (baseline)", CapArea("Ấp Bình An"), 500),
        ("small polygon over one ấp", CapArea("Ven suối", polygons=(
            ((10.955, 106.725), (10.955, 106.735), (10.97, 106.735), (10.97, 106.725), (10.955, 106.725)),)), 500),
        ("circle, 64 km", CapArea("Tâm chấn", circles=((10.5, 106.5, 64.0),)), 200),
        ("province polygon, 5,000 points", CapArea("Tỉnh", polygons=(ring,)), 50),
    ]
    baseline = None
    for label, area, runs in cases:
        seconds = mean_seconds(area, runs)
        baseline = baseline or seconds
        print(f"{label:32s} {seconds * 1000:8.3f} ms  {seconds / baseline:7.1f}x baseline")


if __name__ == "__main__":
    main()
