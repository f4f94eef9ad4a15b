"""Real public CAP messages (tests/data/cap, sources in its README) behave as CAP intends.

Each sample is read as a commune inside its alert area would read it: the commune is placed at a
point of the alert's polygon or circle, or in the region its geocode or area name names. Then an
Actual Alert or Update waits for approval, a Test is only recorded, a Cancel of something never
received here sends nothing, and a hostile document is refused. The same messages are not for the
demo commune in Vietnam, and are refused as such.
"""

from __future__ import annotations

import codecs
import contextlib
from datetime import datetime
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from shapely.geometry import box
from shapely.ops import unary_union

from bot.broadcasts.area_match import cap_area_shape
from bot.broadcasts.areas import Area, Areas, Place, load_areas
from bot.broadcasts.cap import announcement_from_cap, parse_time
from bot.broadcasts.cap_xml import CapMessage, parse_cap_xml
from bot.broadcasts.errors import CapError
from bot.broadcasts.feed_config import FeedConfig
from bot.broadcasts.service import Broadcasts
from bot.config import Settings

SAMPLES = Path(__file__).parent / "data" / "cap"

# file → (CAP status, msgType as received, language of the chosen <info>, what the commune does with it)
EXPECTED = {
    "oasis-homeland-security.xml": ("Actual", "Alert", "en-US", "draft"),
    "oasis-thunderstorm.xml": ("Actual", "Alert", "en-US", "draft"),
    "oasis-earthquake.xml": ("Actual", "Alert", "en-US", "draft"),
    "oasis-amber-en-es.xml": ("Actual", "Alert", "en-US", "draft"),
    "australia-prefixed.xml": ("Actual", "Alert", "en-AU", "draft"),
    "australia-bom-prefixed.xml": ("Actual", "Alert", "en-AU", "draft"),
    "canada-en-fr-update.xml": ("Actual", "Update", "en-CA", "draft"),
    "canada-signed.xml": ("Actual", "Update", "en-CA", "draft"),
    "canada-naad-signed.xml": ("Actual", "Alert", "en-CA", "draft"),
    "earthquake-iso8859-1-signed.xml": ("Actual", "Alert", "en-US", "draft"),
    "earthquake-usgs.xml": ("Actual", "Alert", "en-US", "draft"),
    "nws-weather.xml": ("Actual", "Alert", "en-US", "draft"),
    "tsunami-wcatwc-update.xml": ("Actual", "Update", "en-US", "draft"),
    "iceland-is-en.xml": ("Actual", "Alert", "is-IS", "draft"),
    "mexico-es-update.xml": ("Actual", "Update", "es-419", "draft"),
    "smhi-sv.xml": ("Actual", "Alert", "sv-SE", "draft"),
    "taiwan-zh-bom.xml": ("Actual", "Alert", "zh-tw", "draft"),
    "pagasa-test-status.xml": ("Test", "Alert", "en-US", "recorded"),
    "ipaws-cancel-no-info.xml": ("Actual", "Cancel", None, "recorded"),
    "no-optional-fields.xml": ("Actual", "Alert", None, "refused"),
}


def read(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def commune_inside(message: CapMessage) -> Areas:
    """A one-ấp commune inside the alert's area: at a point of its shapes, else in the region its
    first geocode or area name names."""
    areas = message.all_areas()
    shapes = [s for s in (cap_area_shape(a) for a in areas) if s is not None]
    if shapes:
        point = unary_union(shapes).representative_point()
        square = box(point.x - 0.005, point.y - 0.005, point.x + 0.005, point.y + 0.005)
        return Areas([Area("ap-1", "Ấp 1", geometry=square)])
    geocoded = [a.geocodes[0][1] for a in areas if a.geocodes]
    if geocoded:
        return Areas([Area("ap-1", "Ấp 1")], province=Place("Tỉnh mẫu", geocoded[0]))
    return Areas([Area("ap-1", "Ấp 1")], province=Place(areas[0].desc) if areas else None)


def sent_time(message: CapMessage) -> datetime:
    return parse_time(message.sent, "sent")


def test_the_samples_are_all_there() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in SAMPLES.glob("*.xml") if p.name != "hostile-xxe.xml")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_is_read_as_cap_intends(name: str, redis_client: redis.Redis, settings: Settings) -> None:
    status, msg_type, language, outcome = EXPECTED[name]
    message = parse_cap_xml(read(name))
    assert (message.status, message.msg_type) == (status, msg_type)
    chosen = message.preferred_info()
    assert (chosen.language if chosen else None) == language
    service = Broadcasts(redis_client, settings, config=FeedConfig(), areas=commune_inside(message))
    if outcome == "refused":
        with pytest.raises(CapError) as refused:
            service.accept_cap_xml(read(name), "feed:test", "feed:test", now=sent_time(message))
        assert refused.value.field == "info"
        return
    accepted = service.accept_cap_xml(read(name), "feed:test", "feed:test", now=sent_time(message))
    broadcast = accepted.broadcast
    assert accepted.created and broadcast.status == outcome
    a = broadcast.announcement
    assert a.status == status and a.identifier == message.identifier and a.sender == message.sender
    if message.msg_type == "Update":
        assert a.msg_type == "Alert" and a.references == ()  # the original never reached this commune
    if outcome == "draft":
        assert a.headline and len(a.headline) <= 160 and a.target
        assert a.area_reasons, "the approver is told how the area matched"
        assert a.expires > sent_time(message)
    assert "<" in service.store.original(broadcast.id)[:5]  # the message as received, for the approver


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e[3] == "draft"))
def test_the_samples_are_not_for_the_demo_commune_in_vietnam(name: str) -> None:
    message = parse_cap_xml(read(name))
    with pytest.raises(CapError) as refused:
        announcement_from_cap(message, load_areas(), now=sent_time(message))
    assert refused.value.field == "area" and refused.value.status == 422


def test_a_hostile_document_is_refused_and_nothing_expands() -> None:
    with pytest.raises(CapError) as refused:
        parse_cap_xml(read("hostile-xxe.xml"))
    assert refused.value.status == 400 and refused.value.field == "body"
    billion_laughs = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                      b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&b;</identifier></alert>')
    with pytest.raises(CapError):
        parse_cap_xml(billion_laughs)
    # The first wave's byte search for "<!DOCTYPE" missed it in UTF-16 and expanded the entity.
    for encoding in ("utf-16", "utf-16-le", "utf-32"):
        declared = billion_laughs.decode().replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
        with pytest.raises(CapError) as refused:
            parse_cap_xml(declared.encode(encoding))
        assert refused.value.status == 400


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "iso-8859-1"])
def test_other_encodings_read_the_same(encoding: str) -> None:
    original = read("earthquake-iso8859-1-signed.xml")
    text = original.decode("iso-8859-1")
    declared = text.replace('encoding="ISO-8859-1"', f'encoding="{encoding.upper()}"')
    body = declared.encode(encoding)
    if encoding == "utf-16-be":
        body = codecs.BOM_UTF16_BE + body
    again = parse_cap_xml(body)
    assert again == parse_cap_xml(original)
    assert "Usulután" in again.preferred_info().areas[0].desc


def test_iso_8859_1_accents_and_instruction_none() -> None:
    message = parse_cap_xml(read("earthquake-iso8859-1-signed.xml"))
    assert "Usulután" in message.infos[0].areas[0].desc
    assert message.infos[0].instruction == "None"
    announcement = announcement_from_cap(message, commune_inside(message), now=sent_time(message))
    assert announcement.instruction == ""  # a placeholder is no instruction


def test_namespace_prefixes_and_a_byte_order_mark() -> None:
    assert parse_cap_xml(read("australia-prefixed.xml")).infos[0].areas[0].circles
    assert parse_cap_xml(read("taiwan-zh-bom.xml")).preferred_info().language == "zh-tw"


def test_a_long_headline_is_shortened_and_kept_whole() -> None:
    message = parse_cap_xml(read("australia-bom-prefixed.xml"))
    announcement = announcement_from_cap(message, commune_inside(message), now=sent_time(message))
    assert len(message.infos[0].headline) > 160
    assert len(announcement.headline) <= 160 and announcement.headline.endswith("…")
    assert announcement.headline_full == message.infos[0].headline


def test_instruction_derived_from_response_type_in_vietnamese() -> None:
    message = parse_cap_xml(read("canada-naad-signed.xml"))  # responseType Monitor, no <instruction>
    announcement = announcement_from_cap(message, commune_inside(message), now=sent_time(message))
    assert announcement.instruction == "Theo dõi thông tin mới từ chính quyền."


def test_missing_expires_gets_the_configured_default() -> None:
    message = parse_cap_xml(read("oasis-amber-en-es.xml"))
    assert all(not info.expires for info in message.infos)
    announcement = announcement_from_cap(message, commune_inside(message), now=sent_time(message))
    assert announcement.expires_defaulted and (announcement.expires - sent_time(message)).total_seconds() == 86400


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400),
    st.builds(lambda head, tail: read("oasis-thunderstorm.xml")[:head] + tail,
              st.integers(0, 2000), st.binary(max_size=50)),
    st.builds(lambda inner: ('<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">' + inner + "</alert>").encode(),
              st.text(alphabet=st.sampled_from(list("<>/&;=\"' abcdeiflnoptrsuyv0123456789,.-")), max_size=200)),
))
def test_the_parser_raises_nothing_but_its_own_error(document: bytes | str) -> None:
    with contextlib.suppress(CapError):
        parse_cap_xml(document)


def test_the_approver_reads_an_iso_8859_1_original_as_written(redis_client: redis.Redis, settings: Settings) -> None:
    name = "earthquake-iso8859-1-signed.xml"
    message = parse_cap_xml(read(name))
    service = Broadcasts(redis_client, settings, config=FeedConfig(), areas=commune_inside(message))
    accepted = service.accept_cap_xml(read(name), "feed:test", "feed:test", now=sent_time(message))
    assert "Usulután" in service.store.original(accepted.broadcast.id)
