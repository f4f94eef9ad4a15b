"""CAP feeds as publishers really write them: Atom or RSS entries that link to a CAP message or embed
one. Pure (bytes in, entries out), parsed with defusedxml like the alerts themselves."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from bot.broadcasts.cap_xml import CAP_NAMESPACES, safe_xml
from bot.broadcasts.errors import CapError

ATOM = "{http://www.w3.org/2005/Atom}"
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")


@dataclass(frozen=True)
class FeedEntry:
    key: str  # the entry's id and its updated time: a changed entry is read again
    cap_url: str = ""
    embedded: bytes = b""  # the CAP <alert> when the entry carries it


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _embedded_alert(entry: ET.Element) -> bytes:
    for element in entry.iter():
        if _local(element.tag) == "alert" and element.tag[1:].split("}", 1)[0] in CAP_NAMESPACES:
            return ET.tostring(element, encoding="utf-8")
    return b""


def _atom_link(entry: ET.Element) -> str:
    links = entry.findall(f"{ATOM}link")
    for link in links:  # a link typed as CAP first, then the entry's own link
        if (link.get("type") or "").split(";")[0].strip() in CAP_TYPES and link.get("href"):
            return link.get("href", "")
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href", "")
    return ""


def parse_feed(document: bytes) -> list[FeedEntry]:
    """The entries of an Atom feed or an RSS 2.0 channel, in the feed's order."""
    root = safe_xml(document, "feed")
    entries: list[FeedEntry] = []
    if root.tag == f"{ATOM}feed":
        for entry in root.findall(f"{ATOM}entry"):
            ident = (entry.findtext(f"{ATOM}id") or "").strip()
            updated = (entry.findtext(f"{ATOM}updated") or "").strip()
            entries.append(FeedEntry(f"{ident}|{updated}", _atom_link(entry), _embedded_alert(entry)))
    elif _local(root.tag) == "rss":
        for item in root.iter("item"):
            link = (item.findtext("link") or "").strip()
            enclosure = item.find("enclosure")
            if enclosure is not None and enclosure.get("url"):
                link = enclosure.get("url", link)
            ident = (item.findtext("guid") or link).strip()
            updated = (item.findtext("pubDate") or "").strip()
            entries.append(FeedEntry(f"{ident}|{updated}", link, _embedded_alert(item)))
    elif _local(root.tag) == "alert":  # some "feeds" are a single CAP message
        entries.append(FeedEntry(hashlib.sha256(document).hexdigest(), "", document))
    else:
        raise CapError("feed", f"not an Atom or RSS feed (root <{_local(root.tag)}>)", 422)
    return entries
