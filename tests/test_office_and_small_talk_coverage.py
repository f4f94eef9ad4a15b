"""Office questions and small talk as citizens really type them on Zalo (with and without diacritics, teen
code, typos, Northern/Central/Southern words), run through the text chain's order: a request for a person
(handlers.handoff.asks_for_staff), then the office check (bot.office.topics.office_topics), then the matcher.

- Office questions get their topics, and the matcher never answers them with a procedure.
- Small talk, emoji and stickers are small talk: no office topic, no procedure, no buttons.
- Procedure questions that mention a day, a time, the office, or say thanks first are NOT office questions:
  the office check leaves them to the matcher (the office handler would otherwise answer the hours and
  drop the procedure), which finds the procedure.
"""

from __future__ import annotations

import pytest

from bot.office.topics import office_topics
from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import Matcher
from bot.procedures.textnorm import fold
from handlers.handoff import asks_for_staff


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.from_catalogue(load_catalogue())


# (message, the topics it must get: at least these, and nothing outside the office)
OFFICE: list[tuple[str, tuple[str, ...]]] = [
    # Saturday, Sunday, the weekend: the many ways of writing them.
    ("t7 có làm không", ("hours",)),
    ("t7 xã có làm việc ko", ("hours",)),
    ("T7 co lam k ad", ("hours",)),
    ("thứ bảy có tiếp dân không", ("hours",)),
    ("thu 7 co lam viec khong a", ("hours",)),
    ("thứ 7 ủy ban có mở cửa không", ("hours",)),
    ("thứ 7 tuần này có làm không ạ", ("hours",)),
    ("sáng t7 có trực không", ("hours",)),
    ("xã có làm thứ 7 không", ("hours",)),
    ("ủy ban có làm việc ngày thứ bảy không", ("hours",)),
    ("thứ bảy mấy giờ đóng cửa", ("hours",)),
    ("thu bay co lam hok", ("hours",)),
    ("thứ 7 làm đến mấy giờ", ("hours",)),
    ("chủ nhật có làm không ạ", ("hours",)),
    ("cn có làm ko", ("hours",)),
    ("chu nhat xa co lam k", ("hours",)),
    ("cn ủy ban có mở cửa ko ad", ("hours",)),
    ("t7 cn có làm k", ("hours",)),
    ("thứ 7 chủ nhật có nghỉ không", ("hours",)),
    ("cuối tuần có làm việc không", ("hours",)),
    ("cuoi tuan xa co nghi ko", ("hours",)),
    # Lunch time, today, tomorrow, now.
    ("trưa có làm không", ("hours",)),
    ("trưa có ai trực không", ("hours",)),
    ("buổi trưa có tiếp dân không", ("hours",)),
    ("mấy giờ nghỉ trưa", ("hours",)),
    ("trưa mấy giờ nghỉ", ("hours",)),
    ("nghỉ trưa từ mấy giờ đến mấy giờ", ("hours",)),
    ("12h trưa có ai làm không", ("hours",)),
    ("hôm nay có làm không", ("hours",)),
    ("hom nay co lam ko ad", ("hours",)),
    ("hôm nay xã có làm việc không", ("hours",)),
    ("hnay có làm k ad", ("hours",)),
    ("nay xã có làm hông", ("hours",)),
    ("bữa nay ủy ban có làm việc hông", ("hours",)),
    ("mai xã có làm việc không", ("hours",)),
    ("mai có làm ko", ("hours",)),
    ("mai co lam viec k a", ("hours",)),
    ("ngày mai ủy ban có mở cửa không", ("hours",)),
    ("sáng mai có làm việc không", ("hours",)),
    ("chiều nay có làm không", ("hours",)),
    ("chiều thứ 6 có làm việc không", ("hours",)),
    ("bây giờ còn làm không", ("hours",)),
    ("giờ này còn ai ở ủy ban không", ("hours",)),
    ("4h30 chiều còn tiếp dân không", ("hours",)),
    ("giờ ra xã còn kịp không", ("hours",)),
    # Opening hours.
    ("có tiếp dân không", ("hours",)),
    ("làm việc giờ nào", ("hours",)),
    ("lam viec gio nao vay", ("hours",)),
    ("mấy giờ mở cửa", ("hours",)),
    ("may h mo cua vay ad", ("hours",)),
    ("mấy giờ ủy ban mở cửa ạ", ("hours",)),
    ("mở cửa lúc mấy giờ", ("hours",)),
    ("xã làm việc từ mấy giờ đến mấy giờ", ("hours",)),
    ("giờ làm việc của ủy ban", ("hours",)),
    ("giờ hành chính là mấy giờ", ("hours",)),
    ("mấy giờ thì đóng cửa", ("hours",)),
    ("mấy giờ hết giờ làm", ("hours",)),
    ("buổi chiều mấy giờ bắt đầu làm", ("hours",)),
    ("làm việc mấy giờ vậy ad", ("hours",)),
    ("lịch làm việc tuần này", ("hours",)),
    ("giờ giấc làm việc thế nào", ("hours",)),
    ("ủy ban làm mấy giờ", ("hours",)),
    ("may gio ub lam viec z", ("hours",)),
    ("mấy giờ có người trực", ("hours",)),
    # Holidays.
    ("tết xã nghỉ mấy ngày", ("hours",)),
    ("tết có làm việc không", ("hours",)),
    ("nghỉ tết đến mùng mấy", ("hours",)),
    ("30/4 có nghỉ không", ("hours",)),
    ("lễ 30/4 1/5 xã nghỉ mấy hôm", ("hours",)),
    ("2/9 ủy ban có làm không", ("hours",)),
    ("nghỉ lễ 2/9 mấy ngày", ("hours",)),
    ("ngày lễ có tiếp dân không", ("hours",)),
    ("giỗ tổ có nghỉ không", ("hours",)),
    ("tet co nghi ko ad", ("hours",)),
    ("qua tết mùng mấy làm lại", ("hours",)),
    ("nghỉ lễ quốc khánh mấy ngày", ("hours",)),
    # Address and directions.
    ("ủy ban ở đâu", ("address",)),
    ("uy ban o dau vay", ("address",)),
    ("ubnd xã nằm ở đâu", ("address",)),
    ("trụ sở xã ở chỗ nào", ("address",)),
    ("địa chỉ ủy ban xã", ("address",)),
    ("cho em xin địa chỉ ủy ban", ("address",)),
    ("đường đến ủy ban đi như nào", ("address",)),
    ("ủy ban xã ở đường nào", ("address",)),
    ("bộ phận một cửa ở đâu ạ", ("address",)),
    ("một cửa ở tầng mấy", ("address",)),
    ("ủy ban ở đâu z ad", ("address",)),
    ("xã mình ở đâu", ("address",)),
    ("ủy ban nằm chỗ nào", ("address",)),
    ("UBND ở đâu", ("address",)),
    ("ub o dau", ("address",)),
    ("trụ sở mới của xã ở đâu", ("address",)),
    ("ủy ban ở mô", ("address",)),
    ("ủy ban chỗ mô rứa", ("address",)),
    ("gửi em vị trí ủy ban", ("address",)),
    ("cho xin định vị ủy ban xã", ("address",)),
    ("ubnd phường ở đâu", ("address",)),
    ("đi ủy ban đường nào gần nhất", ("address",)),
    # Phone and contacts.
    ("số điện thoại ủy ban", ("phone",)),
    ("sđt một cửa", ("phone",)),
    ("cho xin sdt xã", ("phone",)),
    ("so dt uy ban la gi", ("phone",)),
    ("hotline xã", ("phone",)),
    ("số zalo của ủy ban", ("phone",)),
    ("gọi số nào để hỏi", ("phone",)),
    ("số máy bàn một cửa", ("phone",)),
    ("email của xã", ("phone",)),
    ("cho em xin số điện thoại một cửa với ạ", ("phone",)),
    ("sdt ub bn vay", ("phone",)),
    ("đt ủy ban số mấy", ("phone",)),
    # Chat spellings: a day glued to its number, "lv", Southern "chủ nhựt", working days, next week.
    ("thu7 co lam ko", ("hours",)),
    ("thứ7 có làm k", ("hours",)),
    ("t7 co lv ko", ("hours",)),
    ("t7 có lm k", ("hours",)),
    ("chủ nhựt có làm hông", ("hours",)),
    ("thứ hai có làm việc không", ("hours",)),
    ("thứ 3 có làm việc không", ("hours",)),
    ("thứ 2 mấy giờ mở cửa", ("hours",)),
    ("thứ 6 làm đến mấy giờ", ("hours",)),
    ("tuần sau xã có làm bình thường không", ("hours",)),
    ("lịch trực", ("hours",)),
    ("lịch tiếp dân", ("hours",)),
    ("tết âm lịch xã nghỉ từ ngày nào", ("hours",)),
    ("nghỉ tết dương lịch mấy ngày", ("hours",)),
    ("mùng 1 tết có làm không", ("hours",)),
    ("ngày 1/5 có làm việc không", ("hours",)),
    ("mai thứ 7 xã có làm không", ("hours",)),
    ("trưa nay có ai ở một cửa không", ("hours",)),
    ("ad ơi hôm nay xã có làm không", ("hours",)),
    ("đến ủy ban bằng đường nào", ("address",)),
    ("ủy ban xã nằm ở đâu vậy ạ", ("address",)),
    ("sđt ubnd xã là bao nhiêu", ("phone",)),
    ("zalo ủy ban là gì", ("phone",)),
    # Is it closed today? Out of hours? A desk's phone as "đt".
    ("hôm nay xã nghỉ à", ("hours",)),
    ("nay nghỉ hả", ("hours",)),
    ("ủy ban nghỉ hả ad", ("hours",)),
    ("sao hôm nay ủy ban đóng cửa", ("hours",)),
    ("ủy ban có làm ngày nghỉ không", ("hours",)),
    ("có làm ngoài giờ không", ("hours",)),
    ("trưa có nhận hồ sơ không", ("hours",)),
    ("cn có trực k", ("hours",)),
    ("có làm t7 ko", ("hours",)),
    ("xã mình làm việc mấy h", ("hours",)),
    ("1h chiều có làm không", ("hours",)),
    ("mai mấy giờ làm", ("hours",)),
    ("đt một cửa", ("phone",)),
    ("ad ơi ủy ban ở đâu", ("address",)),
    # Several at once.
    ("ủy ban ở đâu, mấy giờ mở cửa", ("hours", "address")),
    ("cho xin sđt và địa chỉ ủy ban", ("address", "phone")),
    ("địa chỉ với giờ làm việc của xã", ("hours", "address")),
]


@pytest.mark.parametrize(("text", "topics"), OFFICE)
def test_office_questions_get_their_topics(matcher: Matcher, text: str, topics: tuple[str, ...]) -> None:
    found = office_topics(text)
    assert set(topics) <= set(found), found
    assert not asks_for_staff(text)
    # The matcher (`flask match`, the benchmark) holds it back too.
    assert matcher.match(text).decision in ("chitchat", "fallback")


# Small talk: greetings, thanks, acknowledgements, laughter, goodbyes, emoji, stickers, season's wishes.
SMALL_TALK = [
    "👍👍", "😂😂", "❤️", "[sticker]", "[Sticker]", "hihi", "kkk", "=))", ":D", "👍", "🙏", "🙏🙏🙏", "😊", ":))",
    ":)))", "=)))", "^^", "^_^", "<3", "hehe", "haha", "hahaha", "kkkkk", "hí hí", "hjhj", "keke", "lol", "😭",
    "🤣🤣🤣", "😅", "🥰", "👌", "[Hình ảnh]", "[GIF]", ":((", ":(", ":v", "-_-", "???", "...", "hic", "huhu",
    "haizz", "hìhì", "kaka", "hehehe", "=]]", "=((", "xD",
    "😍😍", "🤔", "👏👏👏", "💪", "🌹", "[Ảnh]", "[Video]", "[Sticker] [Sticker]", "😂", ":)))))", "=)))))", "kk",
    "hahaa", "hú hú", "haizzz", "hixx", "hihihihi",
    # Acknowledgements, stretched as in chat.
    "okeee", "okkk", "uki", "oce", "ừ ừ", "dạ vâng ạ", "okie la", "hmmm",
    "ok", "oke", "okie", "ok ad", "oki ạ", "okela", "uk", "uh", "ừ", "ừm", "dạ", "dạ vâng", "vâng ạ", "da", "vang a",
    "ok nha", "dc r", "đc rồi", "được rồi ạ", "ok bạn", "hiểu rồi ạ", "rõ rồi ạ", "vâng", "dạ rõ", "oke ad nhé",
    "ờ ờ", "ukm", "dạ dạ", "ok bạn nhé", "dạ em biết rồi",
    # Thanks.
    "dạ em cảm ơn", "cảm ơn ad nhiều", "cam on nhieu nha", "camon ad", "thanks ad", "thank u", "tks", "cảm ơn bạn nhé",
    "em cảm ơn ạ", "cám ơn nhiều lắm", "xin cảm ơn", "chân thành cảm ơn", "cảm ơn cán bộ", "cảm ơn xã",
    "thank nha", "tks ad nhiều", "cảm ơn nha", "thx", "ok em cảm ơn", "ok thanks", "vâng em cảm ơn ạ",
    "dạ vâng em cảm ơn", "em hiểu rồi cảm ơn", "cảm ơn ủy ban nhiều ạ", "cam on a", "cảm ơn anh chị nhiều",
    "mình cảm ơn nha", "cảm ơn ad nhé 👍", "thanks 🙏", "❤️ cảm ơn",
    "thank kiu", "cảm ơn nhìu", "cám ơn nhiều nha ad", "camon nhieu", "hihi cảm ơn ad",
    # Greetings.
    "chào ad", "xin chào", "chào buổi sáng", "alo", "alo alo", "alô", "hello", "hi ad", "ad ơi", "em chào anh chị",
    "chào bạn", "chào xã", "chào ủy ban", "xin chao", "chao ad a", "ad ơi có đó không", "có ai không ạ",
    "hello ad", "helo", "chào anh chị cán bộ", "chào cả nhà", "chào ad buổi tối", "xin chào ủy ban",
    "alo alo có ai không", "ad ơi ad",
    # Goodbyes.
    "bye", "tạm biệt", "bái bai", "bb nhé", "thôi em chào", "chào nhé", "hẹn gặp lại", "bye ad", "tạm biệt ad nhé",
    "gud nai", "ngủ ngon nhé ad", "bái bai ad",
    # Wishes.
    "chúc mừng năm mới", "chúc ad ngủ ngon", "chúc cán bộ xã sức khỏe", "chúc mọi người cuối tuần vui vẻ",
]


@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_is_small_talk(matcher: Matcher, text: str) -> None:
    assert not asks_for_staff(text)
    assert office_topics(text) == []
    result = matcher.match(text)
    assert result.decision == "chitchat" and not result.candidates


# Asking for a person: the handoff, before any office or procedure answer.
ASK_PERSON = [
    "cho gặp cán bộ", "gặp người thật", "cho tôi nói chuyện với nhân viên", "nhân viên ơi", "cán bộ đâu",
    "admin ơi cho em gặp cán bộ", "muốn gặp cán bộ một cửa", "gap can bo", "cho em nói chuyện trực tiếp với cán bộ",
    "có người thật không",
]


@pytest.mark.parametrize("text", ASK_PERSON)
def test_asking_for_a_person_goes_to_staff(text: str) -> None:
    assert asks_for_staff(text)


# (procedure question naming a day, a time, the office or thanks, a word of the procedure's name)
PROCEDURES: list[tuple[str, str] | object] = [
    ("thứ 7 có làm khai sinh không", "khai sinh"),
    ("t7 có làm căn cước không", "can cuoc"),
    ("chủ nhật có đăng ký kết hôn không", "ket hon"),
    ("cn có chứng thực không", "chung thuc"),
    ("cảm ơn, cho hỏi làm căn cước ở đâu", "can cuoc"),
    ("cảm ơn ad, cho em hỏi đăng ký khai tử cần gì", "khai tu"),
    ("chào ad, làm giấy khai sinh cần giấy tờ gì", "khai sinh"),
    ("alo, đăng ký tạm trú ở đâu", "tam tru"),
    ("hôm nay có làm giấy xác nhận tình trạng hôn nhân không", "hon nhan"),
    ("mai đi đăng ký kết hôn được không", "ket hon"),
    ("sáng mai ra xã chứng thực bản sao được không", "chung thuc"),
    ("chiều nay làm khai tử kịp không", "khai tu"),
    ("trưa có nhận hồ sơ khai sinh không", "khai sinh"),
    ("làm khai sinh ở ủy ban xã hay ở đâu", "khai sinh"),
    ("đăng ký thường trú ở đâu", "thuong tru"),
    ("chứng thực chữ ký làm ở đâu", "chung thuc"),
    ("xin giấy xác nhận tình trạng hôn nhân mấy giờ thì có", "hon nhan"),
    ("tết này về quê đăng ký kết hôn được không", "ket hon"),
    ("nghỉ lễ 30/4 có làm khai sinh cho con được không", "khai sinh"),
    ("2/9 có chứng thực bản sao không", "chung thuc"),
    ("thứ bảy có làm trích lục khai sinh không", "khai sinh"),
    ("thu 7 co dang ky ket hon khong", "ket hon"),
    ("cn có đk tạm trú k", "tam tru"),
    ("t7 đăng ký khai tử đc ko", "khai tu"),
    ("cảm ơn, còn đăng ký giám hộ thì sao", "giam ho"),
    ("ok cảm ơn, thế làm lại giấy khai sinh bị mất thì sao", "khai sinh"),
    ("hihi cảm ơn ad, cho hỏi thêm về nhận con nuôi", "con nuoi"),
    ("dạ cho em hỏi thủ tục chứng thực hợp đồng", "chung thuc"),
    ("chào anh chị, em muốn đăng ký hộ kinh doanh", "kinh doanh"),
    ("xin chào, trợ cấp người cao tuổi làm thế nào", "tro cap"),
    ("hôm nay xin cấp giấy phép xây dựng được không", "xay dung"),
    ("mai có làm thủ tục nhận cha mẹ con không", "cha"),
    ("thứ 7 ủy ban có nhận đăng ký khai sinh không", "khai sinh"),
    ("ủy ban ở đâu để em làm giấy khai sinh", "khai sinh"),
    ("đăng ký kết hôn ở ủy ban xã nào", "ket hon"),
    ("số điện thoại cán bộ tư pháp để hỏi khai sinh", "khai sinh"),
    ("làm chứng thực mất mấy giờ", "chung thuc"),
    ("mấy giờ thì nộp hồ sơ khai sinh được", "khai sinh"),
    ("chiều thứ 6 làm đăng ký kết hôn kịp không", "ket hon"),
    ("cuối tuần có đăng ký khai tử không", "khai tu"),
    ("ngày lễ có làm chứng thực không", "chung thuc"),
    ("cám ơn nhé, mà đăng ký giám hộ làm ở đâu", "giam ho"),
    ("alo ad ơi, bố em mất rồi làm khai tử thế nào", "khai tu"),
    ("thank you, mình muốn đăng ký lại khai sinh", "khai sinh"),
    ("dạ vâng, thế trích lục kết hôn thì sao", "trich luc"),
    ("mai mốt đi làm khai sinh cho cháu cần mang gì", "khai sinh"),
    ("bữa nay đi đăng ký khai sinh được hông", "khai sinh"),
    ("chủ nhật có ai nhận hồ sơ chứng thực không", "chung thuc"),
    ("12h trưa có làm chứng thực không", "chung thuc"),
    ("giờ nào thì nộp hồ sơ đăng ký khai sinh", "khai sinh"),
    ("mở cửa mấy giờ để em đi chứng thực", "chung thuc"),
    ("tết có đăng ký kết hôn được không", "ket hon"),
    ("cho xin địa chỉ làm căn cước", "can cuoc"),
    ("đăng ký khai sinh ở đâu", "khai sinh"),
    ("em muốn hỏi về bảo hiểm y tế hộ gia đình, t7 có làm không", "bhyt"),
    ("hỗ trợ hộ nghèo đăng ký ở chỗ nào", "ngheo"),
    ("đăng ký nghĩa vụ quân sự ở đâu vậy", "quan su"),
    ("hnay đăng ký tạm vắng được không", "tam vang"),
    ("thứ 2 em ra làm thường trú được không", "thuong tru"),
    ("ad ơi cn có đăng ký khai sinh ko", "khai sinh"),
    ("tks ad, cho hỏi chứng thực bản sao giấy tờ mất phí bao nhiêu", "chung thuc"),
    ("chào buổi sáng, em cần đăng ký kết hôn", "ket hon"),
    ("hi ad, làm lại căn cước bị mất ở đâu", "can cuoc"),
    ("uy ban o dau de lam giay khai sinh", "khai sinh"),
    ("thứ 2 em đi đăng ký kết hôn được không", "ket hon"),
    ("thứ hai có làm chứng thực không", "chung thuc"),
    ("thứ 3 có làm thủ tục khai tử không", "khai tu"),
    ("tuần sau làm khai sinh được không", "khai sinh"),
    ("tết âm lịch có đăng ký kết hôn không", "ket hon"),
    ("bữa nay làm khai sinh được hông", "khai sinh"),
    ("hnay làm chứng thực được ko", "chung thuc"),
    ("nay có cấp giấy xác nhận cư trú không", "cu tru"),
    ("mai có làm căn cước ko", "can cuoc"),
    ("mai có làm giấy phép xây dựng không", "xay dung"),
    ("ủy ban ở mô để làm khai sinh", "khai sinh"),
    ("30/4 em đi làm khai sinh được không", "khai sinh"),
    ("nghỉ lễ 2/9 có nhận hồ sơ đăng ký kinh doanh không", "kinh doanh"),
    ("quốc khánh có làm chứng thực không", "chung thuc"),
    ("cảm ơn, cho hỏi thêm xác nhận độc thân", "hon nhan"),
    ("kkk cho hỏi làm căn cước cho con", "can cuoc"),
    ("hahaa ok vậy còn khai tử", "khai tu"),
    ("okeee, thế đăng ký tạm trú ở đâu", "tam tru"),
    ("thanks ad, đăng ký thường trú cho con cần gì", "thuong tru"),
    ("cảm ơn cán bộ, cho em hỏi về trợ cấp thất nghiệp", "that nghiep"),
    ("chào cán bộ, em muốn chứng thực bản sao", "chung thuc"),
    ("thứ7 có làm khai sinh không", "khai sinh"),
    ("t7 co lv ko, em muon dang ky ket hon", "ket hon"),
    ("ủy ban nghỉ hưu", "huu"),
    ("chiều nay nhận hồ sơ khai sinh không", "khai sinh"),
    ("sáng mai em qua chứng thực được ko ad", "chung thuc"),
    ("cho hỏi thứ 7 có làm xác nhận cư trú không", "cu tru"),
    ("xã có nhận làm căn cước vào thứ 7 không", "can cuoc"),
    ("cho hỏi giờ làm khai sinh", "khai sinh"),
    ("mấy giờ thì lấy được kết quả khai sinh", "khai sinh"),
]


@pytest.mark.parametrize(("text", "name_word"), PROCEDURES)
def test_procedure_questions_naming_days_times_places_or_thanks_reach_the_matcher(
        matcher: Matcher, text: str, name_word: str) -> None:
    assert not asks_for_staff(text)
    assert office_topics(text) == []
    result = matcher.match(text)
    assert result.decision in ("answer", "clarify"), result.decision
    assert any(name_word in fold(c.name) for c in result.candidates), [c.name for c in result.candidates]


def test_coverage_is_broad() -> None:
    assert len(OFFICE) + len(SMALL_TALK) >= 150 and len(PROCEDURES) >= 50


@pytest.mark.parametrize("text", ["sáng nay nhà em nấu canh chua ngon lắm", "chiều nay trời đẹp lắm ad ơi"])
def test_lam_typed_as_a_degree_word_is_no_working_hours(text: str) -> None:
    assert office_topics(text) == []
