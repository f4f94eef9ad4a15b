"""Who is writing: the citizen's Zalo name and avatar, from the user detail endpoint (sandbox), cached."""

from __future__ import annotations

import redis

import handlers
from bot.config import Settings
from bot.console.inbox import signed_text
from bot.console.inbox_search import in_view, matches
from bot.ingress.events import parse_event
from bot.queue.processing import EventProcessor
from bot.services import Services
from bot.stores.profiles import PROFILE_TTL_SECONDS, ProfileStore, profile_from_detail
from tests.conftest import RunningSandbox
from tests.helpers import text_event

# The `data` object of GET /v3.0/oa/user/detail as Zalo documents it (fields as in its reference page).
ZALO_DETAIL = {
    "user_id": "2512523625412515", "user_id_by_app": "5237823458910542",
    "display_name": "Nguyễn Thị Mai", "user_alias": "", "is_sensitive": False,
    "user_last_interaction_date": "24/11/2026", "user_is_follower": True,
    "avatar": "https://s120-ava-talk.zadn.vn/a/b/c/1/120/abc.jpg",
    "avatars": {"120": "https://s120-ava-talk.zadn.vn/a/b/c/1/120/abc.jpg",
                "240": "https://s240-ava-talk.zadn.vn/a/b/c/1/240/abc.jpg"},
    "tags_and_notes_info": {"tag_names": [], "notes": []},
}


def test_a_profile_from_zalos_documented_answer() -> None:
    profile = profile_from_detail(ZALO_DETAIL)
    assert profile is not None and profile.name == "Nguyễn Thị Mai" and profile.initials == "TM"
    assert profile.avatar.startswith("https://s120-ava-talk.zadn.vn/")
    assert profile_from_detail({"display_name": "  "}) is None
    # Anything that could break out of the page's CSS url('…') is dropped, the name kept.
    odd = profile_from_detail({**ZALO_DETAIL, "avatars": {}, "avatar": "https://x.zadn.vn/a.jpg') ; x('"})
    assert odd is not None and odd.avatar == ""


def test_the_worker_learns_who_is_writing_once(redis_client: redis.Redis, zalo_settings: Settings,
                                               sandbox: RunningSandbox) -> None:
    services = Services(redis_client, zalo_settings)
    processor = EventProcessor(redis_client, zalo_settings, services, handlers.dispatch)
    user = sandbox.create_user("Trần Thị Bình")
    processor.handle(parse_event(text_event(user, "xin chào")), lambda: None)
    store = ProfileStore(redis_client, zalo_settings)
    assert store.get_many([user])[user].name == "Trần Thị Bình"
    assert 0 < redis_client.ttl(f"{zalo_settings.key_prefix}profile:{user}") <= PROFILE_TTL_SECONDS
    asked = sandbox.stats()["calls"]["user/detail"]
    assert asked >= 1
    processor.handle(parse_event(text_event(user, "giờ làm việc")), lambda: None)
    assert sandbox.stats()["calls"]["user/detail"] == asked  # cached: not asked again


def test_zalo_failing_the_read_does_not_fail_the_event(redis_client: redis.Redis, zalo_settings: Settings,
                                                      sandbox: RunningSandbox) -> None:
    services = Services(redis_client, zalo_settings)
    services.zalo.sleep = lambda _: None  # type: ignore[method-assign]
    processor = EventProcessor(redis_client, zalo_settings, services, handlers.dispatch)
    user = sandbox.create_user("Lê Văn An")
    sandbox.fault(kind="http_status", status=500, endpoint="user/detail", count=10)
    processor.handle(parse_event(text_event(user, "giờ làm việc")), lambda: None)
    assert "Giờ làm việc" in sandbox.messages(user)[-1]["payload"]["message"]["text"]
    assert ProfileStore(redis_client, zalo_settings).get_many([user]) == {}


def test_queue_views_search_and_signature() -> None:
    row = {"id": "7", "citizen_name": "Trần Thị Bình", "receipt": "H56.14-240823-0001", "assignee": "",
           "sla_colour": "red", "kind": "sos"}
    assert matches(row, "tran thi binh") and matches(row, "240823") and not matches(row, "Lan")
    assert matches(row, "giấy khai sinh", ["cho tôi hỏi giấy khai sinh"])
    assert in_view(row, "unassigned", "lan") and in_view(row, "overdue", "lan") and in_view(row, "sos", "lan")
    assert not in_view(row, "mine", "lan") and not in_view({**row, "kind": ""}, "sos", "lan")
    assert signed_text("Dạ, em gửi ạ.  ", "Cán bộ Lan") == "Dạ, em gửi ạ.\n— Cán bộ Lan"
    assert signed_text("Dạ.", "") == "Dạ." and signed_text("", "Cán bộ Lan") == ""
