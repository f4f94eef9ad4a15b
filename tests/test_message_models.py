"""The message models (bot/procedures/message_models.py): open-class small talk that shares a word with some
procedure is held back when the matcher is unsure, requests and everyday procedure words are not; office
questions no signature matches get a topic."""

from datetime import UTC, datetime
from functools import lru_cache

import pytest
import redis

import handlers
from bot.config import Settings
from bot.conversation.context import Context
from bot.conversation.replies import Reply
from bot.ingress.events import Event
from bot.office.topics import names_procedure, office_topics
from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import DATA_DIR, Matcher
from bot.procedures.message_models import NO_TOPIC, SmallTalkModel, TopicModel, message_features
from bot.services import Services
from tests.helpers import text_event


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher.from_catalogue(load_catalogue())


def test_features_are_words_and_adjacent_pairs_once() -> None:
    assert message_features(["cup", "dien", "cup", "dien"]) == ["cup", "dien", "cup dien", "dien cup"]


def test_the_shipped_weights_parse_and_an_empty_file_leaves_small_talk_to_the_rules() -> None:
    model = SmallTalkModel.parse((DATA_DIR / "small_talk_weights.json").read_text(encoding="utf-8"))
    assert model is not None and 0.5 <= model.threshold < 1
    assert SmallTalkModel.parse("") is None


def test_probability_follows_the_weights_of_the_words_it_knows() -> None:
    weights = {"xo": 0.5, "so": 0.0, "hom": 0.0, "nay": 0.0, "xo so": 0.5, "khai": -1.0, "sinh": -1.0}
    model = SmallTalkModel(weights, bias=0.0, threshold=0.5)
    assert model.is_small_talk(["xo", "so", "hom", "nay"])  # 0.73
    assert not model.is_small_talk(["xo", "so", "hom", "nay"], anchored=True)  # anchored needs 0.9
    assert not model.is_small_talk(["khai", "sinh"])
    assert not model.is_small_talk(["xo", "asdfgh", "qwerty"])  # mostly unknown words: not judged
    assert model.probability([]) == 0.5


# Written for this test, none of them in the evaluation set or the model's examples.
@pytest.mark.parametrize("text", [
    "kết quả xổ số miền bắc hôm qua về con gì ad",
    "cup dien tu sang toi gio nong qua troi",
    "ad oi mai troi co mua khong",
])
def test_open_class_small_talk_is_held_back(text: str) -> None:
    result = matcher().match(text)
    assert result.decision == "chitchat", (text, result.decision, [c.code for c in result.candidates])


@pytest.mark.parametrize(("text", "code"), [
    ("bìa đỏ", "1.013978"),
    ("xin cấp điện lại sau khi bị cắt", "3.000290"),
    ("cho hỏi làm giấy khai sinh cho cháu", "1.001193"),
])
def test_requests_and_everyday_procedure_words_are_not(text: str, code: str) -> None:
    result = matcher().match(text)
    assert result.decision in ("answer", "clarify")
    assert code in [c.code for c in result.candidates]


def test_the_shipped_topic_model_parses_and_an_unknown_message_gets_no_topic() -> None:
    model = TopicModel.parse((DATA_DIR / "office_topic_weights.json").read_text(encoding="utf-8"))
    assert model is not None and NO_TOPIC in model.classes
    assert model.topics(["asdfgh", "qwerty"]) == []
    assert TopicModel.parse("") is None


# Written for this test, none of them in the evaluation set or the models' examples: no office signature
# matches them.
@pytest.mark.parametrize(("text", "topic"), [
    ("phòng chờ ủy ban có wifi không ad", "visit"),
    ("xe lăn vào ủy ban có đường dốc không", "visit"),
    ("đăng nhập cổng dịch vụ công không được", "online"),
    ("ủy ban xã gần chợ hả ad", "address"),
])
def test_office_questions_no_signature_matches_get_the_learned_topic(text: str, topic: str) -> None:
    assert office_topics(text, learned=False) == []
    assert topic in office_topics(text)


def test_a_message_naming_a_procedure_pair_needs_the_stricter_threshold() -> None:
    text = "cài vneid mà đăng nhập không được"  # "đăng nhập" is in some procedure's name
    assert names_procedure(text) and office_topics(text, learned=False) == []
    assert office_topics(text) == ["online"]
    model = TopicModel.parse((DATA_DIR / "office_topic_weights.json").read_text(encoding="utf-8"))
    assert model is not None and model.threshold <= model.named_threshold < 1


@pytest.mark.parametrize("text", ["giấy khai sinh cho con nộp ở đâu", "chúc mừng năm mới UBND xã",
                                  "làm giấy khai sinh ở ủy ban xã nào", "cấp lại sổ đỏ ở đâu ạ"])
def test_procedure_questions_and_wishes_get_no_learned_topic(text: str) -> None:
    assert office_topics(text) == []


def _replies(client: redis.Redis, settings: Settings, user: str, text: str) -> list[Reply]:
    services = Services(client, settings)
    return handlers.dispatch(Context(Event(text_event(user, text)), client, settings, datetime.now(UTC), services))


def test_through_the_chain_small_talk_is_acknowledged_and_an_office_question_answered(
        redis_client: redis.Redis, settings: Settings) -> None:
    remark = _replies(redis_client, settings, "u-lottery", "kết quả xổ số miền bắc hôm qua về con gì ad")
    assert len(remark) == 1 and "cảm ơn Anh/Chị đã chia sẻ" in remark[0].text
    assert [button.payload for button in remark[0].buttons] == ["#staff"]
    online = _replies(redis_client, settings, "u-portal", "đăng nhập cổng dịch vụ công không được")
    assert online and "Dịch vụ công" in online[0].text
