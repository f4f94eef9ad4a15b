"""The commune's own alerts as CAP 1.2 XML and as an Atom index of them (OASIS CAP feeds). Pure.

The district, the province and public alert aggregators read these. Element order follows the
CAP 1.2 schema (tests validate against the OASIS XSD); times are written as CAP wants them, with
seconds and an explicit offset (Vietnam time), never "Z" or fractions.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from bot.broadcasts.areas import Areas
from bot.broadcasts.cap import CAP_NS, Announcement
from bot.broadcasts.compose import reflow
from bot.config import VIETNAM

ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"


@dataclass(frozen=True)
class Published:
    """One sent broadcast, as the feed shows it."""

    id: str
    announcement: Announcement
    sent: datetime
    references: tuple[tuple[str, datetime], ...] = ()  # (our id, when it was sent)


def cap_time(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def _rings(geometry: BaseGeometry) -> list[str]:
    """Outer rings as CAP polygons ("lat,lon …", closed)."""
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    rings = []
    for polygon in polygons:
        if isinstance(polygon, Polygon) and not polygon.is_empty:
            rings.append(" ".join(f"{lat:.6f},{lon:.6f}" for lon, lat in polygon.exterior.coords))
    return rings


def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{CAP_NS}}}{name}")
    element.text = text
    return element


def cap_alert(item: Published, sender: str, commune_name: str, areas: Areas) -> ET.Element:
    a = item.announcement
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    for name, value in (("identifier", item.id), ("sender", sender), ("sent", cap_time(item.sent)),
                        ("status", a.status), ("msgType", a.msg_type), ("scope", "Public")):
        _add(alert, name, value)
    if item.references:
        _add(alert, "references", " ".join(f"{sender},{ref},{cap_time(at)}" for ref, at in item.references))
    info = ET.SubElement(alert, f"{{{CAP_NS}}}info")
    _add(info, "language", "vi-VN")
    _add(info, "category", a.category)
    _add(info, "event", a.event or a.headline)
    if a.msg_type == "Cancel":
        _add(info, "responseType", "AllClear")
    for name, value in (("urgency", a.urgency), ("severity", a.severity), ("certainty", a.certainty),
                        ("expires", cap_time(a.expires)), ("senderName", commune_name),
                        ("headline", a.headline)):
        _add(info, name, value)
    if a.description:
        _add(info, "description", reflow(a.description))
    if a.instruction:
        _add(info, "instruction", reflow(a.instruction))
    area = ET.SubElement(info, f"{{{CAP_NS}}}area")
    chosen = [areas.by_id[t] for t in a.target if t in areas.by_id]
    _add(area, "areaDesc", a.area_desc or (", ".join(c.name for c in chosen) if chosen else commune_name))
    shapes = [c.geometry for c in chosen] if chosen else ([areas.geometry] if areas.geometry is not None else [])
    for geometry in shapes:
        for ring in _rings(geometry) if geometry is not None else []:
            _add(area, "polygon", ring)
    codes = [c.code for c in chosen if c.code] or ([areas.commune.code] if areas.commune and areas.commune.code
                                                   else [])
    for code in codes:
        geocode = ET.SubElement(area, f"{{{CAP_NS}}}geocode")
        _add(geocode, "valueName", "MA_DVHC")
        _add(geocode, "value", code)
    return alert


def cap_document(alert: ET.Element) -> bytes:
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NS)


def atom_feed(items: Iterable[Published], sender: str, commune_name: str, feed_url: str,
              alert_url: str, updated: datetime) -> bytes:
    """An Atom index of the alerts, each entry linking to its CAP XML (`alert_url` has an {id})."""
    # Unqualified names under an explicit default namespace: ElementTree's default_namespace option
    # refuses Atom's unqualified attributes (rel, href, type).
    feed = ET.Element("feed", {"xmlns": ATOM_NS})

    def add(parent: ET.Element, name: str, text: str = "", **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, name, attributes)
        if text:
            element.text = text
        return element

    add(feed, "id", feed_url)
    add(feed, "title", f"Thông báo khẩn — {commune_name}")
    add(feed, "updated", cap_time(updated))
    add(add(feed, "author"), "name", commune_name)
    add(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    for item in items:
        a = item.announcement
        entry = add(feed, "entry")
        add(entry, "id", alert_url.format(id=item.id))  # an IRI, as Atom requires; the CAP triple is inside
        add(entry, "title", a.headline)
        add(entry, "updated", cap_time(item.sent))
        add(entry, "link", rel="alternate", type=CAP_MIME, href=alert_url.format(id=item.id))
        add(entry, "summary", (a.instruction or a.headline)[:500])
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
