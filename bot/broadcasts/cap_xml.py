"""CAP XML as it is really sent, read into plain data. Pure.

Real alerts come in UTF-8, UTF-16 or ISO-8859-1, with or without namespace prefixes, signed
(an XML-DSig <Signature> inside <alert>), in CAP 1.2 or the still common 1.1, with several
<info> blocks in several languages, and sometimes with no <info> at all (a Cancel). The parser
is defusedxml's: a DTD or entity declaration is refused, never expanded, and nothing is fetched.
Every problem comes out as `CapError`, never as another exception.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.broadcasts.errors import CapError

CAP_NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")
MAX_AREA_POINTS = 20_000
# Longest first: a UTF-32 LE mark begins with the UTF-16 LE one.
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
DECLARED_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")  # a province outline has a few thousand points; refuse absurd ones


@dataclass(frozen=True)
class CapArea:
    desc: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()  # rings of (lat, lon) as CAP writes them
    circles: tuple[tuple[float, float, float], ...] = ()  # (lat, lon, radius in km)
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)


@dataclass(frozen=True)
class CapInfo:
    language: str = "en-US"  # CAP's default when <language> is absent
    category: str = ""
    event: str = ""
    response_types: tuple[str, ...] = ()
    urgency: str = ""
    severity: str = ""
    certainty: str = ""
    expires: str = ""
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    areas: tuple[CapArea, ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()  # (valueName, value), e.g. ("checkin", "false")


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    scope: str = ""
    references: tuple[str, ...] = ()  # "sender,identifier,sent" triples, as written
    infos: tuple[CapInfo, ...] = field(default_factory=tuple)

    def preferred_info(self) -> CapInfo | None:
        """The Vietnamese block if there is one, else the first (CAP orders nothing; senders put theirs first)."""
        for info in self.infos:
            if info.language.lower().startswith("vi"):
                return info
        return self.infos[0] if self.infos else None

    def all_areas(self) -> tuple[CapArea, ...]:
        """Every block's areas, once each (language blocks usually repeat the same areas)."""
        seen: dict[tuple, CapArea] = {}
        for info in self.infos:
            for area in info.areas:
                seen.setdefault((area.desc, area.polygons, area.circles, area.geocodes), area)
        return tuple(seen.values())


def parse_cap_xml(document: str | bytes) -> CapMessage:
    """One CAP <alert>; a body that is not one raises CapError (400 for XML problems, 422 for CAP ones)."""
    return message_from_element(safe_xml(document, "body"))


def as_utf8(document: bytes | str, field_name: str = "body") -> bytes:
    """The document in UTF-8 without its XML declaration, whatever it was sent in.

    Expat reads UTF-8, UTF-16 with a byte-order mark and ISO-8859-1, but not UTF-16BE/LE named in
    the declaration, UTF-32 or other multi-byte encodings; Python's codecs read them all.
    """
    if isinstance(document, str):
        text = document.lstrip("\ufeff")
    else:
        bom, encoding = next(((b, name) for b, name in BOMS if document.startswith(b)), (b"", None))
        body = document[len(bom):]
        if encoding is None:
            if body[:4] in (b"\x00<\x00?", b"\x00\x00\x00<"):
                encoding = "utf-16-be" if body[:2] == b"\x00<" else "utf-32-be"
            elif body[:4] in (b"<\x00?\x00", b"<\x00\x00\x00"):
                encoding = "utf-16-le" if body[2:4] != b"\x00\x00" else "utf-32-le"
            else:
                declared = DECLARED_ENCODING.match(body)
                encoding = declared.group(1).decode("ascii") if declared else "utf-8"
        try:
            text = body.decode(encoding)
        except (LookupError, UnicodeError) as exc:
            raise CapError(field_name, f"cannot be read as {encoding} ({exc})", 400) from exc
    return XML_DECLARATION.sub("", text, count=1).encode("utf-8")


def safe_xml(document: bytes | str, field_name: str) -> ET.Element:
    """Parse untrusted XML: no DTD, no entity, nothing fetched; any problem is a CapError (400)."""
    raw = as_utf8(document, field_name)
    try:
        return fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CapError(field_name, "DTDs and entity declarations are not accepted", 400) from exc
    except (ET.ParseError, ValueError, LookupError, UnicodeError) as exc:
        raise CapError(field_name, f"not well-formed XML ({exc})", 400) from exc


def message_from_element(root: ET.Element) -> CapMessage:
    """A CapMessage from an already parsed <alert> element (feeds embed them)."""
    ns = _namespace(root)
    if ns not in CAP_NAMESPACES or _local(root.tag) != "alert":
        raise CapError("alert", f"the root element must be <alert> in the namespace {CAP_NAMESPACES[0]}", 400)

    def text(parent: ET.Element, name: str) -> str:
        found = parent.find(f"{{{ns}}}{name}")
        return (found.text or "").strip() if found is not None else ""

    def texts(parent: ET.Element, name: str) -> tuple[str, ...]:
        return tuple((e.text or "").strip() for e in parent.findall(f"{{{ns}}}{name}") if (e.text or "").strip())

    def pairs(parent: ET.Element, name: str) -> tuple[tuple[str, str], ...]:
        return tuple((text(e, "valueName"), text(e, "value")) for e in parent.findall(f"{{{ns}}}{name}"))

    def area(element: ET.Element) -> CapArea:
        return CapArea(desc=text(element, "areaDesc"),
                       polygons=tuple(p for p in (parse_polygon(t) for t in texts(element, "polygon")) if p),
                       circles=tuple(c for c in (parse_circle(t) for t in texts(element, "circle")) if c),
                       geocodes=pairs(element, "geocode"))

    def info(element: ET.Element) -> CapInfo:
        return CapInfo(
            language=text(element, "language") or "en-US", category=text(element, "category"),
            event=text(element, "event"), response_types=texts(element, "responseType"),
            urgency=text(element, "urgency"), severity=text(element, "severity"),
            certainty=text(element, "certainty"), expires=text(element, "expires"),
            sender_name=text(element, "senderName"), headline=text(element, "headline"),
            description=text(element, "description"), instruction=text(element, "instruction"),
            web=text(element, "web"), areas=tuple(area(a) for a in element.findall(f"{{{ns}}}area")),
            parameters=pairs(element, "parameter"))

    return CapMessage(
        identifier=text(root, "identifier"), sender=text(root, "sender"), sent=text(root, "sent"),
        status=text(root, "status"), msg_type=text(root, "msgType"), scope=text(root, "scope"),
        references=tuple(text(root, "references").split()),
        infos=tuple(info(i) for i in root.findall(f"{{{ns}}}info")))


def _namespace(element: ET.Element) -> str:
    return element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _pair(token: str) -> tuple[float, float] | None:
    lat_text, _, lon_text = token.partition(",")
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def parse_polygon(value: str) -> tuple[tuple[float, float], ...]:
    """CAP's "lat,lon lat,lon …" ring; an unreadable or degenerate one counts as absent."""
    tokens = value.split()
    if len(tokens) > MAX_AREA_POINTS:
        raise CapError("polygon", f"has more than {MAX_AREA_POINTS} points")
    points = [_pair(t) for t in tokens]
    if any(p is None for p in points) or len(points) < 4:
        return ()
    return tuple(points)  # type: ignore[arg-type]


def parse_circle(value: str) -> tuple[float, float, float] | None:
    """CAP's "lat,lon radius" (radius in km)."""
    centre_text, _, radius_text = value.strip().partition(" ")
    centre = _pair(centre_text)
    try:
        radius = float(radius_text)
    except ValueError:
        return None
    return (centre[0], centre[1], radius) if centre and 0 <= radius < 20_000 else None
