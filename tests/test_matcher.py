from functools import lru_cache

import pytest

from bot.procedures.catalogue import load_catalogue
from bot.procedures.matcher import Matcher, MatcherConfig
from bot.procedures.textnorm import folded_tokens, situation_hints
from tests.eval.evalset import load_eval_set, score


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher.from_catalogue(load_catalogue())


def ranker(query: str) -> tuple[str, list[str]]:
    result = matcher().match(query)
    if result.intent == "office":  # held back for the office handler, as the text chain does
        return "office", []
    return result.decision, [c.code for c in result.candidates]


def test_plain_commune_khai_sinh_ranks_above_its_variants():
    result = matcher().match("dang ky khai sinh")
    assert result.decision == "answer"
    assert result.candidates[0].code == "1.001193"
    everything = matcher()._rank(["dang", "ki", "khai", "sinh"])
    codes = [matcher().procedure_codes[i] for i, _ in everything]
    assert codes.index("1.001193") < codes.index("2.000528")  # có yếu tố nước ngoài
    assert codes.index("1.001193") < codes.index("1.003583")  # lưu động
    scores = [s for _, s in everything]
    assert len(set(scores)) == len(scores)


def test_words_pointing_to_a_variant_pick_it():
    assert matcher().match("dang ky khai sinh luu dong").candidates[0].code == "1.003583"
    assert matcher().match("dang ky ket hon voi nguoi nuoc ngoai").candidates[0].code == "2.000806"


@pytest.mark.parametrize("text", ["000.00.06.H56-231027-0361", "h56.14 - 240823 - 0001", "H15.50–251203–2035"])
def test_receipt_numbers_are_not_procedures(text):
    result = matcher().match(text)
    assert (result.decision, result.intent, result.candidates) == ("fallback", "receipt", [])
    assert result.receipt and result.receipt.isupper()


@pytest.mark.parametrize(
    ("text", "intent"),
    [("alo", "greeting"), ("bot ơi", "greeting"), ("cảm ơn", "thanks"), ("ok", "ack"), ("haha", "laugh"),
     ("giá vàng hôm nay", "offtopic")],
)
def test_small_talk_is_recognised_and_never_answered(text, intent):
    result = matcher().match(text)
    assert (result.decision, result.intent, result.public_decision) == ("chitchat", intent, "fallback")


def test_greeting_with_a_question_is_answered():
    assert matcher().match("xin chào, cho hỏi làm giấy khai sinh cần gì").candidates[0].code == "1.001193"


def test_vague_query_clarifies_with_two_to_four_candidates():
    result = matcher().match("giay phep")
    assert result.decision in ("clarify", "fallback")
    if result.decision == "clarify":
        assert 2 <= len(result.candidates) <= 4


def test_nonsense_falls_back():
    assert matcher().match("asdfgh qwerty").decision == "fallback"


def test_other_provinces_local_procedures_are_left_out():
    catalogue = load_catalogue()
    local = [p for p in catalogue.procedures.values() if p.province]
    assert local and not set(p.code for p in local) & set(matcher().procedure_codes)
    province = local[0].province
    scoped = Matcher.from_catalogue(catalogue, MatcherConfig(province=province))
    assert local[0].code in scoped.procedure_codes


def test_evaluation_set_targets():
    # The splits tuned on by aliases; blind3 and dev3 (issue 11) have their own floors below.
    rows = [r for r in load_eval_set() if r.split in ("dev", "heldout", "blind", "blind2")]
    assert len(rows) >= 400
    result = score(rows, ranker)
    # 0.94, not 0.95: these splits' last points came from aliases written for their very questions, and the
    # learned ranking is now fitted with those aliases left out half the time (tools/fit_ranking.py), so
    # that it generalises to questions nobody wrote aliases for; the right answer stays among the buttons.
    assert result.top1_rate >= 0.94 and result.resolved_rate >= 0.99
    assert result.not_answered_rate >= 0.95
    heldout = score([r for r in rows if r.split == "heldout"], ranker)
    assert heldout.top1_rate >= 0.92 and heldout.not_answered_rate >= 0.95


def test_unseen_phrasings_generalise():
    # "blind2" was written after tuning and never tuned on: it guards generalisation, not memory.
    rows = [r for r in load_eval_set() if r.split == "blind2"]
    assert len(rows) >= 60
    result = score(rows, ranker)
    # 48 questions: one is 2 points. Since session 8 (sibling phrases, a refit on 2,072 questions whose
    # out-of-fold top-1 rose) three more of them ask between two siblings where they answered, the right
    # one among the buttons ("khai sinh cho con nuôi ngoài Nhật về"): every question is still resolved.
    assert result.top1_rate >= 0.85 and result.resolved_rate >= 0.98
    assert result.top3_rate >= 0.95
    assert result.not_answered_rate >= 0.95


def top_codes(query: str, n: int = 1) -> list[str]:
    return [c.code for c in matcher().match(query).candidates[:n]]


def test_abbreviation_that_is_also_a_word_in_context_is_kept():
    assert top_codes("tro cap cho me liet sy") == ["1.010801"]  # "sy" here is the "sĩ" of "liệt sĩ"
    assert top_codes("sy bằng tốt nghiệp") == ["2.000815"]  # alone it is still "sao y"


def test_country_names_point_to_the_foreign_variant():
    assert top_codes("lay chong nguoi han quoc can giay gi") == ["2.000806"]
    # A child born in Japan: the foreign variant, or the one for children born abroad.
    assert top_codes("dang ky khai sinh cho con sinh o nhat")[0] in ("2.000528", "1.001020")


def test_an_inferred_foreign_marker_does_not_rule_out_plain_procedures():
    assert "1.004873" in top_codes("xin giay xac nhan doc than de sang dai loan lay chong", 3)


def test_lost_or_damaged_documents_prefer_reissue_or_exchange():
    assert top_codes("giay dang ky ho kinh doanh bi mat") == ["2.000575"]
    assert top_codes("cccd bi rach") == ["1.014063"]


def test_age_picks_the_identity_card_bracket():
    assert top_codes("lam can cuoc cho con 10 tuoi") == ["1.014062"]
    assert top_codes("lam can cuoc cho con 16t") == ["1.014061"]


def test_query_naming_a_sibling_beats_the_plain_procedure_aliases():
    assert top_codes("dang ky bo sung nvqs khi doi noi lam viec") == ["1.013136"]
    assert top_codes("cat khau cho con gai di lay chong") == ["1.003197"]


def test_residence_confirmation_ct07_is_xac_nhan_thong_tin_cu_tru():
    assert top_codes("ct07 lay o dau") == ["1.010041"]


def test_issue_11_splits_do_not_regress():
    # blind3 was written before the issue-11 changes and never tuned on (first measure 67.0 % top-1,
    # 73.8 % resolved, 5.4 % confidently wrong, 76.7 % held back); these floors sit just under the
    # final measure so a change that loses ground shows. dev3 is the split tuned on.
    rows = load_eval_set()
    blind3 = score([r for r in rows if r.split == "blind3"], ranker)
    assert blind3.procedure_queries >= 200
    assert blind3.top1_rate >= 0.70 and blind3.resolved_rate >= 0.83
    assert blind3.wrong_answer_rate <= 0.035 and blind3.not_answered_rate >= 0.98
    dev3 = score([r for r in rows if r.split == "dev3"], ranker)
    assert dev3.top1_rate >= 0.80 and dev3.resolved_rate >= 0.90 and dev3.not_answered_rate >= 0.98


def test_acronyms_in_names_are_spelled_out_from_the_catalogue():
    from bot.procedures.acronyms import mine_acronyms

    catalogue = load_catalogue()
    table = mine_acronyms(catalogue.procedures.values(), lambda p: p.name,
                          lambda p: " ".join([*p.results, *p.requirements, *p.steps, *p.legal_basis]))
    assert table["tnld"] == ("tai", "nan", "lao", "dong")
    assert table["dsphsk"] == ("duong", "suc", "phuc", "hoi", "suc", "khoe")
    assert "sau" not in table and "cho" not in table  # upper-case words in names, not acronyms
    # "Giải quyết hưởng chế độ TNLĐ, BNN đối với trường hợp bị TNLĐ lần đầu": found by the words.
    assert "1.001632" in top_codes("bi tai nan lao dong lan dau xin huong che do", 3)


@pytest.mark.parametrize("text", [
    "vợ tôi người Lào, giờ làm giấy khai sinh cho cháu thế nào", "chong em nguoi Han Quoc, lam khai sinh cho be o xa",
])
def test_a_clarifying_question_lists_first_the_variant_the_situation_names(text: str) -> None:
    result = matcher().match(text)
    assert result.decision == "clarify" and [c.code for c in result.candidates][:2] == ["2.000528", "1.001193"]


@pytest.mark.parametrize(("text", "foreign"), [
    ("can bo tu phap xa", False), ("o trung tam xa", False), ("hoc trung cap nghe", False),
    ("chong em o trung quoc", True), ("vo em nguoi trung", True), ("lay chong nguoi phap", True),
    ("lay chong han", True), ("ong di bo doi chong mi", False), ("thoi chong phap", False),
])
def test_justice_and_centre_are_no_country(text: str, foreign: bool) -> None:
    assert (situation_hints(text.split())[:2] == ["nuoc", "ngoai"]) is foreign


@pytest.mark.parametrize(("text", "again"), [
    ("hồi đó có khai tử rồi nhưng sổ ở xã bị thất lạc, giấy cũng mất", True),
    ("ket hon nam 1990, xa bao so khong con luu", True),
    ("giấy khai sinh bị mất thì xin lại ở đâu", False),  # the book still holds it: a copy, not a new registration
    ("lam khai sinh cho con, so ho khau cua con", False),
])
def test_a_civil_event_whose_register_book_is_lost_is_registered_again(text: str, again: bool) -> None:
    hints = " ".join(situation_hints(folded_tokens(text)))
    assert ("dang ki lai" in hints) is again


@pytest.mark.parametrize(("text", "code"), [
    ("em gái bị lừa bán qua biên giới nay đã về, xin hỗ trợ học nghề", "2.001661"),
    ("đăng ký kết hôn ở xã biên giới với người trung quốc", "1.000094"),  # the border variant, named
])
def test_crossing_the_border_is_no_border_variant(text: str, code: str) -> None:
    assert top_codes(text, 1) == [code]


def test_a_border_pass_is_offered_whoever_asks() -> None:
    # The Việt–Trung border pass exists for border residents (1.003133) and for officials working there
    # (1.014364); a question naming neither gets the two, not another border procedure.
    assert set(top_codes("làm giấy thông hành qua biên giới trung quốc", 2)) == {"1.003133", "1.014364"}
