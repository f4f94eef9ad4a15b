"""Photos, captions, locations, voice notes, stickers, phone consent: Zalo's documented event payloads
(shared/zalo-oa-api.md, section 1) through the real router and processor, a real Redis and the sandbox."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
import requests
from cryptography.fernet import Fernet

from bot.config import Settings
from bot.dossiers.store import RedisDossierStore
from bot.dossiers.validation import parse_dossier
from bot.ingress.events import parse_event
from bot.queue.processing import EventProcessor
from bot.services import Services
from bot.stores.followers import FollowerRegistry
from bot.stores.phones import PhoneStore, normalise_phone
from bot.stores.statistics import StatsKeys, local_day
from handlers import dispatch
from sandbox.receipt_samples import plain_photo, receipt_page
from tests.conftest import RunningSandbox
from tests.helpers import text_event

RECEIPT = "H56.14-240823-0001"


@pytest.fixture
def media_settings(zalo_settings: Settings) -> Settings:
    key = Fernet.generate_key().decode()
    return replace(zalo_settings, reach=replace(zalo_settings.reach, phone_encryption_key=key))


@pytest.fixture
def processor(media_settings: Settings, redis_client: redis.Redis) -> EventProcessor:
    record = parse_dossier(RECEIPT, {"procedure_name": "Đăng ký khai sinh", "applicant_id": "079203001234",
                                     "status": 4, "received_at": "2024-08-23T08:30:00+07:00",
                                     "due_at": "2099-09-20T16:00:00+07:00", "return_method": "desk"},
                           media_settings.dossier.id_secret, require_applicant=True)
    RedisDossierStore(redis_client, media_settings).upsert(record, datetime.now(UTC))
    services = Services(redis_client, media_settings)
    services.zalo.sleep = lambda _: None  # type: ignore[method-assign]
    return EventProcessor(redis_client, media_settings, services, dispatch)


class Chat:
    def __init__(self, processor: EventProcessor, sandbox: RunningSandbox) -> None:
        self.processor, self.sandbox = processor, sandbox
        self.user_id = sandbox.create_user()

    def send(self, event_name: str, message: dict[str, Any] | None = None, **fields: Any) -> None:
        raw = {"app_id": "123", "user_id_by_app": "9" + self.user_id, "event_name": event_name,
               "timestamp": str(int(time.time() * 1000)), "sender": {"id": self.user_id},
               "recipient": {"id": "4024926008133882615"}, **fields}
        if message is not None:
            raw["message"] = {"msg_id": uuid.uuid4().hex, **message}
        self.processor.handle(parse_event(raw), lambda: None)

    def attach(self, kind: str, payload: dict[str, Any], caption: str = "") -> None:
        message: dict[str, Any] = {"attachments": [{"type": kind, "payload": payload}]}
        if caption:
            message["text"] = caption
        self.send(f"user_send_{kind}", message)

    def photo(self, data: bytes, caption: str = "", content_type: str = "image/jpeg") -> None:
        url = upload(self.sandbox, data, content_type)
        self.attach("image", {"url": url, "thumbnail": url}, caption)

    def say(self, text: str) -> None:
        self.processor.handle(parse_event(text_event(self.user_id, text)), lambda: None)

    def texts(self) -> list[str]:
        return [m["payload"].get("message", {}).get("text", "") for m in self.sandbox.messages(self.user_id)]


def upload(sandbox: RunningSandbox, data: bytes, content_type: str) -> str:
    answer = requests.post(f"{sandbox.url}/_sandbox/media", data=data, headers={"Content-Type": content_type},
                           timeout=10)
    answer.raise_for_status()
    return answer.json()["url"]


@pytest.fixture
def chat(processor: EventProcessor, sandbox: RunningSandbox) -> Chat:
    return Chat(processor, sandbox)


# -- photos and captions ---------------------------------------------------------------------------


def test_a_caption_holding_a_receipt_is_read_as_typed(chat: Chat) -> None:
    chat.photo(plain_photo(), caption=f"hồ sơ {RECEIPT} của tôi")
    [ask] = chat.texts()
    assert "số định danh" in ask and RECEIPT in ask and "Đăng ký khai sinh" not in ask


@pytest.mark.parametrize("with_qr", [True, False], ids=["qr", "printed-text"])
def test_a_photo_of_the_receipt_leads_to_the_id_question(chat: Chat, with_qr: bool) -> None:
    chat.photo(receipt_page(with_qr=with_qr))
    [ask] = chat.texts()
    assert "số định danh" in ask and RECEIPT in ask
    chat.say("079203001234")
    assert "Đăng ký khai sinh" in chat.texts()[1]  # then exactly as if typed


def test_a_photo_without_a_receipt_says_so_once_an_hour(chat: Chat) -> None:
    chat.photo(plain_photo())
    chat.photo(plain_photo(seed=5))
    [said] = chat.texts()
    assert "chưa đọc được mã hồ sơ" in said and "Mã hồ sơ" in said


def test_a_caption_that_is_a_question_is_answered_when_the_photo_holds_no_receipt(chat: Chat) -> None:
    chat.photo(plain_photo(), caption="mấy giờ ủy ban làm việc")
    [answer] = chat.texts()
    assert "chưa đọc được mã hồ sơ" not in answer and answer


def test_a_file_or_link_caption_is_read_as_typed(chat: Chat) -> None:
    chat.attach("link", {"url": "https://dichvucong.gov.vn", "thumbnail": "", "description": ""},
                caption=f"tra cứu {RECEIPT}")
    assert "số định danh" in chat.texts()[0]


# -- locations -------------------------------------------------------------------------------------


def test_a_location_inside_ap_2_is_confirmed_and_the_tap_sets_the_area(
    chat: Chat, redis_client: redis.Redis, media_settings: Settings
) -> None:
    chat.attach("location", {"coordinates": {"latitude": "10.9612", "longitude": "106.7305"}})
    message = chat.sandbox.messages(chat.user_id)[0]["payload"]["message"]
    assert "Ấp 2, đúng không" in message["text"]
    yes = message["attachment"]["payload"]["buttons"][0]
    chat.say(yes["payload"])
    assert FollowerRegistry(redis_client, media_settings).get(chat.user_id)["area"] == "ap-2"


def test_a_location_outside_every_area_says_so(chat: Chat) -> None:
    chat.attach("location", {"coordinates": {"latitude": "10.7769", "longitude": "106.7009"}})
    assert "nằm ngoài các ấp/khu phố" in chat.texts()[0]


# -- voice, stickers, business cards ---------------------------------------------------------------


def test_voice_notes_get_the_menu_and_a_person_once_an_hour(chat: Chat) -> None:
    chat.attach("audio", {"url": "https://voice-talk.zadn.vn/a.aac"})
    chat.attach("audio", {"url": "https://voice-talk.zadn.vn/b.aac"})
    [said] = chat.texts()
    assert "tin nhắn thoại" in said
    buttons = [b["title"] for b in chat.sandbox.messages(chat.user_id)[0]["payload"]["message"]["attachment"][
        "payload"]["buttons"]]
    assert "Gặp cán bộ" in buttons


def test_stickers_and_reactions_are_acknowledgements(chat: Chat, redis_client: redis.Redis,
                                                     media_settings: Settings) -> None:
    chat.attach("sticker", {"id": "bfe4a3ab9aee73b02aff", "url": "https://zalo-api.zadn.vn/sticker.png"})
    chat.send("user_reacted_message", {"react_icon": "/-heart"})
    assert chat.texts() == []
    day = StatsKeys(media_settings).day(local_day(datetime.now(UTC)))
    assert redis_client.hget(day, "acknowledgements") == b"2"
    assert redis_client.hget(day, "fallbacks") is None


def test_a_business_card_gets_please_type_at_most_once_an_hour(chat: Chat) -> None:
    chat.send("user_send_business_card", {"attachments": [{"type": "business_card", "payload": {}}]})
    chat.attach("file", {"name": "a.pdf", "size": "100", "checksum": "x", "type": "pdf",
                         "url": "https://f21-zpc.zdn.vn/a.pdf"})
    assert len(chat.texts()) == 1 and "gõ câu hỏi" in chat.texts()[0]


# -- phone numbers by consent, chat now ------------------------------------------------------------


def test_the_phone_form_states_its_purpose(chat: Chat) -> None:
    chat.say("#phone")
    [form] = chat.sandbox.messages(chat.user_id)
    payload = form["payload"]["message"]["attachment"]["payload"]
    assert payload["template_type"] == "request_user_info"
    assert "hồ sơ" in payload["elements"][0]["subtitle"]


def test_a_submitted_phone_is_kept_encrypted_with_consent_and_deleted_on_request(
    chat: Chat, redis_client: redis.Redis, media_settings: Settings
) -> None:
    # The newer documented shape (full_address); the older flat one carries `phone` the same way.
    chat.send("user_submit_info", info={"name": "Nguyễn Văn An", "phone": "0912345678", "full_address": {
        "user_city": "Đồng Nai", "user_ward": "Xã Bình An", "user_address": "Ấp 2"}})
    store = PhoneStore(redis_client, media_settings)
    assert store.phone(chat.user_id) == "84912345678"
    raw = redis_client.hgetall(f"{media_settings.key_prefix}phone:{chat.user_id}")
    stored = b"".join(raw.values())
    assert b"912345678" not in stored and b"name" not in raw and "Ấp 2".encode() not in stored
    assert store.consent(chat.user_id)["purpose"] and store.consent(chat.user_id)["consent_at"]
    assert "ghi nhận số điện thoại" in chat.texts()[0]
    chat.say("Xóa số điện thoại")
    assert store.phone(chat.user_id) is None and "đã xóa" in chat.texts()[1]


def test_without_a_key_no_phone_is_stored(redis_client: redis.Redis, zalo_settings: Settings,
                                          sandbox: RunningSandbox) -> None:
    services = Services(redis_client, zalo_settings)
    chat = Chat(EventProcessor(redis_client, zalo_settings, services, dispatch), sandbox)
    chat.send("user_submit_info", info={"name": "A", "phone": "84912345678", "address": "", "city": ""})
    assert not list(redis_client.scan_iter(f"{zalo_settings.key_prefix}phone:*"))
    assert "chưa lưu được" in chat.texts()[0]


def test_chat_now_gets_a_greeting_and_the_menu(chat: Chat) -> None:
    chat.send("user_click_chatnow")
    message = chat.sandbox.messages(chat.user_id)[0]["payload"]["message"]
    assert message["text"].startswith("Dạ, em chào Anh/Chị") and len(message["attachment"]["payload"]["buttons"]) == 4


@pytest.mark.parametrize(("raw", "expected"), [("0912 345 678", "84912345678"), ("+84912345678", "84912345678"),
                                              ("84912345678", "84912345678"), ("12345", None), (None, None)])
def test_phone_numbers_are_normalised_for_zns(raw: object, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("event", [
    {"event_name": "user_send_image", "message": {"msg_id": "m1", "text": "giấy hẹn", "attachments": [
        {"type": "image", "payload": {"thumbnail": "https://a.zadn.vn/t.jpg", "url": "https://a.zadn.vn/p.jpg"}}]}},
    {"event_name": "user_send_file", "message": {"msg_id": "m2", "attachments": [{"type": "file", "payload": {
        "name": "to-khai.pdf", "size": "10240", "checksum": "abc", "type": "pdf", "url": "https://f.zdn.vn/a.pdf"}}]}},
    {"event_name": "user_send_link", "message": {"msg_id": "m3", "text": "xem giúp", "attachments": [{
        "type": "link", "payload": {"url": "https://dichvucong.gov.vn", "thumbnail": "", "description": "DVC"}}]}},
    {"event_name": "user_send_location", "message": {"msg_id": "m4", "attachments": [{"type": "location", "payload": {
        "coordinates": {"latitude": "10.9612", "longitude": "106.7305"}}}]}},
    {"event_name": "user_send_audio", "message": {"msg_id": "m5", "attachments": [
        {"type": "audio", "payload": {"url": "https://v.zadn.vn/a.aac"}}]}},
    {"event_name": "user_send_sticker", "message": {"msg_id": "m6", "attachments": [
        {"type": "sticker", "payload": {"id": "bfe4", "url": "https://s.zadn.vn/s.png"}}]}},
    {"event_name": "user_send_business_card", "message": {"msg_id": "m7", "attachments": [
        {"type": "business_card", "payload": {}}]}},
    {"event_name": "user_reacted_message", "message": {"msg_id": "m8", "react_icon": "/-strong"}},
    {"event_name": "user_submit_info", "info": {"name": "An", "phone": "84912345678", "address": "Ấp 2",
                                                "city": "Đồng Nai", "district": "", "ward": "Bình An"}},
    {"event_name": "user_click_chatnow"},
])
def test_zalos_documented_payloads_are_read_strictly_and_answered(chat: Chat, event: dict[str, Any]) -> None:
    """Each documented shape passes the strict event reader and reaches its handler without an error."""
    raw = {"app_id": "123", "timestamp": str(int(time.time() * 1000)), "sender": {"id": chat.user_id},
           "recipient": {"id": "4024926008133882615"}, **event}
    chat.processor.handle(parse_event(raw), lambda: None)
    expect_reply = event["event_name"] not in ("user_send_sticker", "user_reacted_message")
    assert bool(chat.texts()) == expect_reply
