"""What a phone shows for real alerts: re-flowed text, no placeholders, the action first, within Zalo's limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bot.broadcasts.areas import Area, Areas, Place
from bot.broadcasts.cap import announcement_from_cap, announcement_from_dict
from bot.broadcasts.cap_xml import parse_cap_xml
from bot.broadcasts.compose import announcement_text, first_screen, reflow, template_data
from bot.config import VIETNAM
from bot.zalo.messages import MAX_TEXT_CHARS
from tests.broadcast_helpers import announcement_json
from tests.test_cap_samples import commune_inside

SAMPLES = Path(__file__).parent / "data" / "cap"
ANYWHERE = Areas([Area("ap-1", "Ấp 1")], province=Place("Anywhere", "030049"))


def sample(name: str):
    """The sample as read by a commune inside its alert area."""
    message = parse_cap_xml((SAMPLES / name).read_bytes())
    return announcement_from_cap(message, commune_inside(message), now=datetime.fromisoformat(message.sent))


def test_hard_wrapped_lines_are_reflowed_into_sentences() -> None:
    nws = sample("nws-weather.xml")
    assert "INCLUDING THE FOLLOWING\nAREA" in nws.description  # wrapped at 69 columns, mid-sentence
    text = reflow(nws.description)
    assert all(not line.endswith((" A", " THE", " OF")) for line in text.splitlines())
    assert len(text.splitlines()) < len(nws.description.splitlines())
    assert reflow("Gió mạnh cấp 8,\ngiật cấp 10.\n\n- Ở trong nhà\n- Tránh xa sông") == (
        "Gió mạnh cấp 8, giật cấp 10.\n\n- Ở trong nhà\n- Tránh xa sông")


def test_a_placeholder_instruction_is_not_shown() -> None:
    quake = sample("earthquake-iso8859-1-signed.xml")
    text = announcement_text(quake, "UBND xã Bình An")
    assert "👉 None" not in text and "None" not in text.splitlines()[1]
    assert len(text) <= MAX_TEXT_CHARS


def test_the_first_screen_is_the_headline_and_the_action() -> None:
    storm = sample("oasis-thunderstorm.xml")
    lines = first_screen(announcement_text(storm, "UBND xã")).splitlines()
    assert lines[0].startswith("⚠️ SEVERE THUNDERSTORM:") and lines[1].startswith("👉 TAKE COVER")


def test_an_all_clear_says_what_is_over_and_what_to_do_now() -> None:
    alert = announcement_from_dict(announcement_json(), ANYWHERE)
    cancel = replace(alert, msg_type="Cancel", references=("x",), instruction="", description="")
    text = announcement_text(cancel, "UBND xã")
    assert text.splitlines()[:2] == ["✅ KẾT THÚC CẢNH BÁO: Bão số 3 đổ bộ chiều nay",
                                     "Tình hình đã an toàn. Anh/Chị có thể sinh hoạt bình thường."]
    assert "Ở trong nhà" not in text and "👉" not in text
    assert template_data(cancel, "UBND xã")["hanh_dong"].startswith("Tình hình đã an toàn")


def test_an_area_alert_names_the_area_and_invites_the_unplaced() -> None:
    alert = replace(announcement_from_dict(announcement_json(), ANYWHERE), target=("ap-1",), area_desc="Ven suối Ấp 1")
    placed, unplaced = announcement_text(alert, "UBND xã"), announcement_text(alert, "UBND xã", invite=True)
    assert "📍 Khu vực: Ven suối Ấp 1" in placed and "chưa chọn khu vực" not in placed
    assert "📍 Khu vực: Ven suối Ấp 1" in unplaced and "Chọn khu vực" in unplaced


def test_every_sample_fits_in_one_zalo_message_with_the_action_kept() -> None:
    for path in sorted(SAMPLES.glob("*.xml")):
        if path.name in ("hostile-xxe.xml", "no-optional-fields.xml", "ipaws-cancel-no-info.xml"):
            continue
        announcement = sample(path.name)
        long = replace(announcement, description=announcement.description * 20)
        for invite in (False, True):
            text = announcement_text(long, "UBND xã Bình An", invite)
            assert len(text) <= MAX_TEXT_CHARS, path.name
            assert text.endswith("— UBND xã Bình An") and "Hiệu lực đến" in text


def test_expiry_is_shown_in_vietnam_time() -> None:
    at = datetime(2026, 9, 15, 1, 0, tzinfo=VIETNAM)
    alert = announcement_from_dict(announcement_json(expires="2099-09-14T18:00:00+00:00"), ANYWHERE, now=at)
    assert "Hiệu lực đến 01:00 ngày 15/09/2099" in announcement_text(alert, "UBND xã")
