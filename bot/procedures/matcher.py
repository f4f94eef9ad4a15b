"""Find the procedure a citizen means, from the way citizens really type.

Pure and free of I/O once built: `Matcher.from_data_dir(...)` reads the data tables (the only I/O), after
that `Matcher.match(query)` only computes.

How it ranks. Every procedure name and every alias phrase (data/aliases.tsv) is a small document of
folded syllables and syllable bigrams, weighted by IDF over the catalogue. A query is scored against all
documents at once with NumPy (an inverted index of feature → document ids), as
    0.55 · (share of the query's weight found in the name) + 0.45 · (share of the name's weight matched)
which is length-aware: "dang ky khai sinh" covers all of "Thủ tục đăng ký khai sinh" but only part of
"… có yếu tố nước ngoài" or "… lưu động", so the plain variant wins. Variant words ("nước ngoài", "lưu
động", "biên giới") the query does not contain cost a little more, the preferred levels (the commune's
own, by default) earn a little, and an alias phrase found whole in the query is strong evidence even in
a long sentence. Unknown syllables are corrected with rapidfuzz against the catalogue's vocabulary.
Acronyms in names ("TNLĐ") are indexed by the words that spell them (bot.procedures.acronyms).
Situations imply variants (`textnorm.situation_hints`: a country name → "nước ngoài", a lost paper →
"cấp lại", an age → its bracket); words that single out a sibling ("bổ sung", "cấp đổi") push down the
procedures whose names lack them.

Decisions (`MatchResult.decision`):
- "answer": one procedure is clearly meant (candidates[0]);
- "clarify": 2–4 close candidates, to offer as buttons;
- "fallback": nothing fits, or the message is a receipt number or asks after a dossier without one
  (intent "receipt", see `receipt`);
- "chitchat": greetings, thanks, acknowledgements, laughter, goodbyes, off-topic talk, emoji, and
  questions about the office itself when no procedure is clearly meant (see `intent`).
`MatchResult.public_decision` maps "chitchat" to "fallback" for the three-value CLI/JSON contract.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.dossiers.questions import asks_about_a_dossier
from bot.dossiers.receipts import find_receipts
from bot.office.topics import office_topics
from bot.procedures.accent_clashes import spelled_apart
from bot.procedures.accent_clashes import words as spelled_words
from bot.procedures.acronyms import mine_acronyms
from bot.procedures.actions import BEGIN, ActionTable
from bot.procedures.concepts import ConceptTable, Occurrences
from bot.procedures.field_index import FieldIndex
from bot.procedures.message_models import SmallTalkModel
from bot.procedures.phrase_index import NO_MATCHES, PhraseIndex, PhraseMatches
from bot.procedures.related_terms import RelatedTerms
from bot.procedures.remarks import asks_for_something, is_advert, is_remark
from bot.procedures.textnorm import (
    fold,
    fold_word,
    folded_tokens,
    nfc,
    parse_abbreviation_table,
    regional_respellings,
    situation_hints,
    word_features,
)

Decision = Literal["answer", "clarify", "fallback", "chitchat"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

# Laughter and sighs typed at any length ("kkkkk", "hahaha", "hihihi", "hjhj", "haizzz", "hixx"), folded:
# data/chitchat.tsv cannot list every length.
_LAUGH_RE = re.compile(r"^(?:k{2,}|(?:ha|he|hi|hj|ho|hu|ka|ke){2,}|haiz+|hai{2,}z*|hix+|hic+|hu{3,})$")
# Letters stretched in chat ("okeee", "okkk", "hahaa"): a run of three, or a doubled final vowel (no folded
# syllable has one; "huu" of "lương hưu" is kept), is read as one letter for the small-talk check. (The
# folding collapses repeats only where that makes a Vietnamese syllable; "ok", "oke" are none.)
# (Applied to the words joined by spaces, one call per message: words hold no spaces, and no run crosses one.)
_STRETCHED_RE = re.compile(r"([a-z])\1{2,}|([aeio])\2(?= |$)")

# A procedure code typed as such ("1.001193", or with a province suffix).
_CODE_RE = re.compile(r"(?<![\d.])([1-9]\.\d{6})(?:\.[0-9a-z.]+)?(?![\d])")

# Words marking a special variant of a procedure; the plain variant is preferred unless the query has them.
_VARIANT_MARKERS = ("nuoc ngoai", "luu dong", "bien gioi", "lai", "dai dien", "cham dut", "xoa", "tam ngung", "mat")
_VARIANT_SET = frozenset(_VARIANT_MARKERS)
# Words a query uses to single out one sibling of a family ("cấp lại", "bổ sung", "dưới 14 tuổi"):
# procedures whose name lacks them are pushed down a little, so the plain sibling does not win on
# its many aliases.
_SIBLING_MARKERS = ("cap lai", "cap doi", "dang ki lai", "bo sung", "gia han", "duoi 14", "duoi 6",
                    "tu du 14", "cham dut", "tam ngung", "xoa", "mo khoa", "than nhan", "thoat", "ban sao",
                    "trich luc", "tu tran")
_SIBLING_PENALTY = 0.07
# What a variant the query does not name costs ("… lưu động" when the citizen did not say so).
_ABSENT_VARIANT_PENALTY = 0.05
# A required marker inferred from the situation (a country name) is weaker than one typed.
_INFERRED_REQUIRED_PENALTY = 0.18
# What sets a variant apart from its plain sibling, stripped from folded names to group a family
# ("đăng ký khai sinh", "… lưu động", "… có yếu tố nước ngoài", "đăng ký lại khai sinh").
_FAMILY_STRIP_RE = re.compile(
    r"\b(?:tai khu vuc bien gioi|nuoc ngoai|luu dong|(?<=cap )(?:lai|doi)|(?<=dang ki )lai"
    r"|cho nguoi duoi 14 tuoi|cho nguoi tu du 14 tuoi tro len)\b"
)
# Words of a question that neither the answer's name nor its record mention, from which a question
# with a sibling variant close behind is asked rather than answered: the citizen said more than the
# plain procedure covers ("tại nhà", "vùng cao", "ở Nhật về").
_UNCOVERED_FOR_VARIANT_CLARIFY = 2
_VARIANT_CLARIFY_WINDOW = 0.15
# Markers that exclude each other: a child of 10 cannot use the procedure "từ đủ 14 tuổi trở lên".
_CONFLICTING_MARKERS = {"duoi 14": "tu du 14", "tu du 14": "duoi 14"}
# Markers strong enough that a query naming them rules out procedures without them.
_REQUIRED_MARKERS = ("nuoc ngoai", "luu dong", "bien gioi")
_CROSSING_RE = re.compile(r" (?:qua|sang|vuot|xuat) bien gioi(?= )")
# The level a name itself states, and the level token it means.
_LEVEL_IN_NAME_RE = re.compile(r"\((?:thuc hien )?(?:tai |o )?cap (xa|huyen|tinh|trung uong)\)")
_LEVEL_WORDS = {"xa": "xa", "huyen": "huyen", "tinh": "tinh", "trung uong": "trung_uong"}
# Parts of official names that say nothing about what the procedure is.
_NAME_NOISE_RE = re.compile(
    r"^thu tuc\s+|\bco yeu to\b|\bcap (?:xa|huyen|tinh|trung uong)$"
    r"|\((?:thuc hien )?(?:tai |o )?cap [^)]*\)|\(\d\.\d{6}\)|\(tham quyen[^)]*\)"
)


# How much the weaker fields (bot.procedures.field_index) add at most, beside a name's 1.0.
FIELD_WEIGHT = 0.15
# Words small talk uses that tell procedures apart all the same: "thôi làm hòa giải viên", "không làm …
# nữa", "chưa có khai sinh". Never left out of the training phrases or the question.
_MEANINGFUL_WORDS = frozenset({"thoi", "nua", "chua"})
# How many of the best procedures may anchor a weak question (see Matcher._anchored): a lucky phrase of
# another procedure ("… được không") may come first, and the buttons still offer the anchored one.
ANCHOR_CANDIDATES = 2
# A procedure's best training phrase (bot.procedures.phrase_index) counts as this share of a name match
# (0.7-0.9 were tried on the tuning splits; 0.7 helped most without more wrong answers).
PHRASE_FACTOR = 0.7
# All of a procedure's phrases together, covering the question between them, count a little less than its
# best phrase alone: "bé sinh ở nhà" in one phrase and "xin giấy chứng sinh" in another.
POOLED_PHRASES_FACTOR = 0.8
# How much the catalogue words implied by everyday ones (bot.procedures.concepts) weigh in the query,
# beside typed words.
CONCEPT_WEIGHT = 0.6
# The catalogue words the concept layer adds weigh together at most as much as this many of them at
# CONCEPT_WEIGHT: a two-word everyday phrase ("sai tên") that stands for a nine-word catalogue phrase
# ("thay đổi, cải chính, bổ sung thông tin hộ tịch") must not outweigh the rest of the question.
CONCEPT_WORDS = 5.0
# How much a typed word the concept layer translated ("nhập hộ khẩu" → "thường trú") still weighs.
TRANSLATED_WEIGHT = 0.5
# How much a name word the catalogue's own text relates to a query word weighs, times the pair's cosine
# (bot.procedures.related_terms: generated, so weaker than the hand-written concepts).
RELATED_WEIGHT = 0.3
# Name/alias score from which the weaker fields count in full.
FIELD_NAME_SUPPORT = 0.25
# A word at least this rare in names (IDF; "mất" 3.6, "làm" 3.0, "cấp" 0.9) must be in the question for an
# alias containing it to count as found whole.
ALIAS_KEY_IDF = 3.3
# Words saying the citizen already has what follows ("đã có giấy khai sinh"), and how many words follow.
_HOLDING = frozenset({("da", "co"), ("dang", "co"), ("co", "san")})
_HELD_SPAN = 4
QUERY_SHARE = 0.55  # the rest is the share of the name matched

# A word pair found in at most this many names is distinctive enough to anchor a low-scoring clarification.
_ANCHOR_MAX_NAMES = 20
_HAS_DIGIT = re.compile(r"\d")
_NUMBER_WEIGHT = 0.2
# Unknown words shorter than this are read as a catalogue word only when the pair formed is common.
_SHORT_WORD = 4

# Highest raw score: full coverage plus the preferred-level bonus; scores are reported divided by it.
_MAX_RAW_SCORE = 1.04


class ProcedureLike(Protocol):
    # Read-only, so that frozen dataclasses (bot.procedures.catalogue.Procedure) match.
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def levels(self) -> tuple[str, ...]: ...
    @property
    def province(self) -> str | None: ...


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    score: float


@dataclass(frozen=True)
class RankParts:
    """Per-procedure parts of the hand-set score, kept for the learned ranking's features."""

    name: np.ndarray  # name/alias score
    field: np.ndarray  # what the weaker fields added
    # The final raw score and the score before the variant and sibling markers: their net adjustment (beside the
    # level bonus) is worked out for the few candidates only (`Matcher.candidate_features`).
    scored: np.ndarray
    unmarked: np.ndarray
    query_cover: np.ndarray  # share of the question's weight the name has
    name_cover: np.ndarray  # share of the name's weight the question has
    phrase: np.ndarray  # the best training phrase's (or the pooled phrases') similarity to the question
    phrase_matches: PhraseMatches  # the training phrases near the question (for each candidate's second best)
    unnamed_variant: np.ndarray  # a variant ("… lưu động", "… có yếu tố nước ngoài") the question does not name


# What the learned ranking weighs, in the order of data/ranking_weights.json's "weights".
RANKING_FEATURES = (
    "base_score", "name_score", "field_score", "marker_adjustment", "preferred_level", "query_cover",
    "name_cover", "alias_found", "action_agrees", "action_conflicts", "action_not_asked", "uncovered_share",
    "gap_to_best", "log_name_length", "phrase_cover", "phrase_score", "phrase_leads",
    "unnamed_variant", "phrase_second",
)
_COLUMN = {name: k for k, name in enumerate(RANKING_FEATURES)}


# What the answer-or-ask decision weighs about the learned ranking's best candidate.
CONFIDENCE_FEATURES = (
    "bias", "probability", "probability_margin", "base_score", "hand_set_margin", "hand_set_answered",
    "hand_set_agrees", "uncovered_share", "action_conflicts", "runner_up_unnamed_variant",
)


def confidence_features(probs: np.ndarray, order: Sequence[int], features: Sequence[Sequence[float]],
                        hand_set_answer: bool) -> list[float]:
    """What tells a right learned best candidate from a wrong one (`CONFIDENCE_FEATURES`); `order` sorts
    `probs` descending, `features` are the candidates' `RANKING_FEATURES` in the hand-set order."""
    best = int(order[0])
    second = float(probs[order[1]]) if len(order) > 1 else 0.0
    hand_set_margin = features[1][_COLUMN["gap_to_best"]] if len(features) > 1 else 1.0  # of the hand-set second
    row = features[best]
    # The runner-up is a variant the question does not name ("… có yếu tố nước ngoài" behind "đăng ký khai
    # sinh cho con"): a weaker reason to ask.
    runner_up_variant = features[int(order[1])][_COLUMN["unnamed_variant"]] if len(order) > 1 else 0.0
    return [1.0, float(probs[best]), float(probs[best]) - second, row[_COLUMN["base_score"]], hand_set_margin,
            float(hand_set_answer), float(best == 0), row[_COLUMN["uncovered_share"]],
            row[_COLUMN["action_conflicts"]], runner_up_variant]


@dataclass(frozen=True)
class RankingModel:
    """Weights fitted by tools/fit_ranking.py: a softmax over the candidates of one question, and a logistic
    model of whether its best candidate is right."""

    weights: np.ndarray
    confidence_weights: np.ndarray
    answer_confidence: float  # answer when the best candidate's confidence reaches this
    clarify_mass: float  # otherwise offer candidates until their probabilities sum to this (2 to 4)

    @classmethod
    def parse(cls, text: str) -> RankingModel | None:
        if not text.strip():
            return None
        data = json.loads(text)
        if tuple(data["features"]) != RANKING_FEATURES or tuple(data["confidence_features"]) != CONFIDENCE_FEATURES:
            return None  # fitted for another feature set: the hand-set ranking stays
        return cls(np.asarray(data["weights"], dtype=float), np.asarray(data["confidence_weights"], dtype=float),
                   float(data["answer_confidence"]), float(data["clarify_mass"]))

    def confidence(self, probs: np.ndarray, order: Sequence[int], features: Sequence[Sequence[float]],
                   hand_set_answer: bool) -> float:
        z = float(np.dot(self.confidence_weights, confidence_features(probs, order, features, hand_set_answer)))
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


@dataclass(frozen=True)
class MatchResult:
    query: str
    decision: Decision
    candidates: list[Candidate] = field(default_factory=list)
    intent: str | None = None  # greeting | thanks | ack | laugh | bye | offtopic | office | receipt | code
    receipt: str | None = None  # the receipt number, normalised, when intent == "receipt" and one was given

    @property
    def public_decision(self) -> Literal["answer", "clarify", "fallback"]:
        return "fallback" if self.decision == "chitchat" else self.decision

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "decision": self.public_decision,
            "candidates": [{"code": c.code, "name": c.name, "score": c.score} for c in self.candidates],
        }


@dataclass(frozen=True)
class MatcherConfig:
    preferred_levels: tuple[str, ...] = ("xa",)
    province: str | None = None  # the commune's province; other provinces' local procedures are left out
    answer_threshold: float = 0.66
    answer_margin: float = 0.07
    # Below this the best procedure is too weak to offer. 0.38 resolved 0.5 % more tuning questions but sent
    # small talk that shares no procedure's words ("kết quả bóng đá tối qua") to buttons; the anchored
    # threshold below covers the weak questions that do name a procedure.
    clarify_threshold: float = 0.42
    # Below clarify_threshold, still offer buttons when the best procedure shares a distinctive pair of
    # words with the question ("thai sản" in a long story): asking beats "I did not understand".
    anchored_clarify_threshold: float = 0.3
    clarify_window: float = 0.2
    max_candidates: int = 4


@dataclass(frozen=True)
class MatcherTables:
    """The data a commune officer can extend without code (see the header of each file in data/)."""

    abbreviations: Mapping[str, tuple[str, ...]]
    aliases: Sequence[tuple[str, str]]  # (code, phrase)
    chitchat: Sequence[tuple[str, str]]  # (intent, phrase)
    fillers: Sequence[str]
    thesaurus: str = ""  # data/thesaurus.tsv as text (see bot.procedures.concepts)
    related_terms: str = ""  # data/related_terms.tsv as text (see bot.procedures.related_terms)
    actions: str = ""  # data/actions.tsv as text (see bot.procedures.actions)
    ranking_weights: str = ""  # data/ranking_weights.json as text ("" keeps the hand-set ranking)
    phrases: Sequence[tuple[str, str]] = ()  # (code, phrase): data/training_phrases.tsv
    small_talk_weights: str = ""  # data/small_talk_weights.json as text ("" leaves small talk to the rules)

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> MatcherTables:
        def text(name: str, required: bool = True) -> str:
            path = data_dir / name
            return path.read_text(encoding="utf-8") if required or path.exists() else ""

        def rows(name: str, required: bool = True) -> list[list[str]]:
            lines = text(name, required).splitlines()
            return [ln.split("\t") for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]

        def pairs(name: str, required: bool = True) -> list[tuple[str, str]]:
            return [(r[0].strip(), nfc(r[1].strip())) for r in rows(name, required) if len(r) >= 2]

        return cls(parse_abbreviation_table(text("abbreviations.tsv")), pairs("aliases.tsv"), pairs("chitchat.tsv"),
                   [nfc(r[0].strip()) for r in rows("query_fillers.txt")], text("thesaurus.tsv"),
                   text("related_terms.tsv", required=False), text("actions.tsv", required=False),
                   text("ranking_weights.json", required=False), pairs("training_phrases.tsv", required=False),
                   text("small_talk_weights.json", required=False))


def _record_text(proc: ProcedureLike) -> str:
    """What a record says beside its name (results, papers, conditions, steps, legal basis), where the
    spelled-out form of its name's acronyms is found."""
    parts = [*getattr(proc, "results", ()), *(getattr(d, "name", "") for d in getattr(proc, "documents", ())),
             *getattr(proc, "requirements", ()), *getattr(proc, "steps", ()), *getattr(proc, "legal_basis", ())]
    return " ".join(parts)


class Matcher:
    def __init__(
        self,
        procedures: Iterable[ProcedureLike],
        tables: MatcherTables,
        config: MatcherConfig | None = None,
    ) -> None:
        self.config = config or MatcherConfig()
        self._abbrev = tables.abbreviations
        wanted_province = fold(self.config.province) if self.config.province else None
        self._procs: dict[str, ProcedureLike] = {}
        for proc in procedures:
            if proc.province and (wanted_province is None or fold(proc.province) != wanted_province):
                continue
            self._procs[proc.code] = proc
        fillers = {tuple(fold(f).split()) for f in tables.fillers}
        filler_words = {phrase[0] for phrase in fillers if len(phrase) == 1}
        self._filler_index = self._phrase_index((phrase, "filler") for phrase in fillers)
        self._chitchat_index = self._phrase_index(
            {(tuple(folded_tokens(p, self._abbrev)), intent) for intent, p in tables.chitchat}
        )
        chat_words = {word for phrases in self._chitchat_index.values() for phrase, _ in phrases for word in phrase}
        # Every word small talk or a filler phrase is made of: a message with any other word is no small talk.
        self._small_talk_words = frozenset(
            chat_words | {word for phrases in self._filler_index.values() for phrase, _ in phrases for word in phrase})
        self._acronyms = mine_acronyms(self._procs.values(), lambda proc: proc.name, _record_text)
        self._build_index(tables.aliases, filler_words)
        self._concepts = ConceptTable.parse(tables.thesaurus, self._abbrev)
        # Words of the thesaurus's everyday phrases are words, not glued pairs: "game" is not "ga me". They
        # may still be slips ("chich luc" is "trích lục"), and small talk's words too ("khai xinh").
        self._everyday_words = self._concepts.trigger_words
        self._related = RelatedTerms.parse(tables.related_terms)
        self._actions = ActionTable.parse(tables.actions, self._abbrev)
        self._name_actions = [self._actions.of_name(self._name_tokens[code]) for code in self._procs]
        # Per procedure, what the per-candidate features read of its name, worked out once here: the actions
        # beside the plain one, the distinct name words, and the log of the name's length.
        self._name_does = [actions - {BEGIN} for actions in self._name_actions]
        self._name_words = [frozenset(self._name_tokens[code]) for code in self._procs]
        self._log_name_length = [math.log(1 + len(self._name_tokens[code])) for code in self._procs]
        self._name_pairs = [frozenset(itertools.pairwise(self._name_tokens[code])) for code in self._procs]
        self._model = RankingModel.parse(tables.ranking_weights)
        self._small_talk = SmallTalkModel.parse(tables.small_talk_weights)
        # One record per distinct name: the same procedure published per level scores the same.
        groups: dict[tuple[str, ...], int] = {}
        representatives: list[ProcedureLike] = []
        name_group: list[int] = []
        for code, proc in self._procs.items():
            key = tuple(self._name_tokens[code])
            if key not in groups:
                groups[key] = len(representatives)
                representatives.append(proc)
            name_group.append(groups[key])
        self._name_group = np.asarray(name_group, dtype=np.int32)
        self._name_group_of = name_group  # the same, as plain ints for the per-candidate loop
        self._fields = FieldIndex(representatives)  # type: ignore[arg-type]
        # Fillers and small-talk words say nothing of the procedure, in a phrase or in the question, unless they
        # form a distinctive pair of a name with a neighbour ("chiều" of "chào buổi chiều", not of "hộ chiếu";
        # "giấy tờ" is in too many names to count).
        ignored = frozenset(filler_words | chat_words) - _MEANINGFUL_WORDS
        # How small talk and fillers spell their words: a phrase or question typed with diacritics keeps a word
        # they fold like but do not spell so ("đẻ" is no "để").
        self._chat_spellings = frozenset(
            word for text in (*(p for _, p in tables.chitchat), *tables.fillers) for word in spelled_words(text)[1])
        phrases = [(number, self._variant_evidence(number, folded_tokens(phrase, self._abbrev)),
                    spelled_apart(phrase, self._chat_spellings) & ignored)
                   for code, phrase in tables.phrases if (number := self._number_of.get(code)) is not None]
        name_pairs = frozenset(pair for pairs in self._name_pairs for a, b in pairs
                               if self._idf.get(pair := f"{a} {b}", 0.0) >= ALIAS_KEY_IDF)
        self._phrases = PhraseIndex(phrases, len(self._proc_codes), ignored=ignored, kept_pairs=name_pairs)
        self._pooled_phrases = PhraseIndex(phrases, len(self._proc_codes), ignored=ignored, pooled=True,
                                           kept_pairs=name_pairs)

    def _variant_evidence(self, proc: int, tokens: list[str]) -> list[str]:
        """A variant's phrase ("vợ người Úc, đăng ký khai sinh cho con") without the words its family's plain
        procedure is named by: they say "khai sinh", which the plain one answers; only the rest ("người Úc")
        says "the variant"."""
        if not self._variant_of[proc] & _VARIANT_SET or self._family[proc] not in self._plain_families:
            return tokens
        family_words = set(self._family[proc].split())
        return [t for t in tokens if t not in family_words]

    @classmethod
    def from_catalogue(cls, catalogue, config: MatcherConfig | None = None, data_dir: Path = DATA_DIR) -> Matcher:
        return cls(catalogue.procedures.values(), MatcherTables.load(data_dir), config)

    @property
    def procedure_codes(self) -> tuple[str, ...]:
        """Codes the matcher can return (national ones plus the configured province's)."""
        return tuple(self._procs)

    # ---------- index ----------

    def _build_index(self, aliases: Sequence[tuple[str, str]], filler_words: set[str]) -> None:
        doc_codes: list[str] = []
        doc_features: list[list[str]] = []
        doc_is_alias: list[bool] = []
        self._name_tokens: dict[str, list[str]] = {}
        for code, proc in self._procs.items():
            folded = _NAME_NOISE_RE.sub(" ", fold(re.sub(r"[^\w\s()]", " ", nfc(proc.name))))
            tokens: list[str] = []
            for token in re.findall(r"[0-9a-z]+", folded):
                # "TNLĐ" in a name is "tai nạn lao động" to the citizen (bot.procedures.acronyms).
                expansion = (self._abbrev.get(token) if len(token) >= 4 else None) or self._acronyms.get(token)
                tokens.extend(fold(t) for t in expansion) if expansion else tokens.append(token)
            self._name_tokens[code] = tokens
            doc_codes.append(code)
            doc_features.append(word_features(tokens))
            doc_is_alias.append(False)
        for code, phrase in aliases:
            if code not in self._procs:
                continue
            tokens = folded_tokens(phrase, self._abbrev)
            content = [t for t in tokens if t not in filler_words] or tokens
            bigrams = [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
            doc_codes.append(code)
            doc_features.append(list(dict.fromkeys([*content, *bigrams])))
            doc_is_alias.append(True)

        n_names = len(self._procs)
        df: dict[str, int] = {}
        for feats, is_alias in zip(doc_features, doc_is_alias, strict=True):
            if not is_alias:
                for f in feats:
                    df[f] = df.get(f, 0) + 1
        # Features only aliases use get the IDF of a rare catalogue word.
        self._idf = {f: math.log((n_names + 1) / (c + 0.5)) for f, c in df.items()}
        rare = math.log((n_names + 1) / 1.5)
        postings: dict[str, list[int]] = {}
        doc_weight = np.zeros(len(doc_codes))
        for i, feats in enumerate(doc_features):
            for f in feats:
                postings.setdefault(f, []).append(i)
                # Numbers in names ("220/380V", "Điều 14") are rarely typed: missing them costs little.
                doc_weight[i] += self._idf.get(f, rare) * (_NUMBER_WEIGHT if _HAS_DIGIT.search(f) else 1.0)
        for f in postings:
            self._idf.setdefault(f, rare)
        # Document ids in the type bincount counts with: cast once here, not on every question.
        self._postings = {f: np.asarray(ids, dtype=np.intp) for f, ids in postings.items()}
        self._doc_codes = doc_codes
        self._doc_weight = np.maximum(doc_weight, 1e-9)
        self._doc_is_alias = np.asarray(doc_is_alias)
        self._alias_keys = np.asarray([
            sum(1 for f in feats if " " not in f and self._idf[f] >= ALIAS_KEY_IDF) if is_alias else 0
            for feats, is_alias in zip(doc_features, doc_is_alias, strict=True)
        ])
        self._vocab = sorted({f for f in postings if " " not in f})
        self._vocab_set = set(self._vocab)
        self._following, self._preceding = self._neighbour_maps(postings)
        self._filler_words = filler_words
        self._common_bigram_idf = math.log((n_names + 1) / 5.5)  # seen in at least five names
        self._rare_bigram_idf = rare  # any pair of a name or an alias
        self._anchor_idf = math.log((n_names + 1) / (_ANCHOR_MAX_NAMES + 0.5))
        self._unknown_weight = float(np.median([self._idf[w] for w in self._vocab])) if self._vocab else 1.0

        code_index = {code: i for i, code in enumerate(self._procs)}
        self._doc_proc = np.asarray([code_index[c] for c in doc_codes], dtype=np.int32)
        prefer = set(self.config.preferred_levels)
        proc_bonus = np.zeros(len(self._procs))
        self._variant_of: list[set[str]] = []
        for i, (code, proc) in enumerate(self._procs.items()):
            if prefer.intersection(proc.levels or ()) and not self._names_other_level(proc.name, prefer):
                proc_bonus[i] += 0.04
            name = " ".join(self._name_tokens[code])
            self._variant_of.append({m for m in (*_VARIANT_MARKERS, *_SIBLING_MARKERS) if f" {m} " in f" {name} "})
            # Tiny length term: among otherwise equal names, the shorter (plainer) one ranks first.
            proc_bonus[i] -= 0.0005 * min(len(self._name_tokens[code]), 40)
        self._proc_bonus = proc_bonus
        family = [" ".join(_FAMILY_STRIP_RE.sub(" ", " ".join(self._name_tokens[c])).split()) for c in self._procs]
        self._family = family
        self._preferred = proc_bonus > 0.02
        self._proc_codes = list(self._procs)
        self._number_of = {code: i for i, code in enumerate(self._proc_codes)}
        self._variant_docs = {
            m: np.asarray([i for i, v in enumerate(self._variant_of) if m in v], dtype=np.int32)
            for m in (*_VARIANT_MARKERS, *_SIBLING_MARKERS)
        }
        # The siblings a required marker rules out: procedures of a family that has a variant with the marker
        # but lacking it themselves ("đăng ký kết hôn" when "nước ngoài" is typed). A procedure with no such
        # sibling is not ruled out: "đi du lịch nước ngoài, làm hộ chiếu" still asks for the passport.
        self._marker_rivals: dict[str, np.ndarray] = {}
        for marker in _REQUIRED_MARKERS:
            families = {family[i] for i in self._variant_docs[marker]}
            self._marker_rivals[marker] = np.asarray(
                [i for i in range(len(family)) if family[i] in families and marker not in self._variant_of[i]],
                dtype=np.int32)
        # Families with a plain procedure beside their variants ("đăng ký khai sinh" beside "… lưu động").
        self._plain_families = {family[i] for i in range(len(family)) if not self._variant_of[i] & _VARIANT_SET}
        self._absent_variant_penalty = np.zeros(len(self._procs))
        for marker in _VARIANT_MARKERS:
            self._absent_variant_penalty[self._variant_docs[marker]] += _ABSENT_VARIANT_PENALTY
        # The variants a question naming none leaves unnamed (most questions): shared, never written to.
        self._unnamed_by_default = self._absent_variant_penalty > 1e-9
        self._unnamed_by_default.flags.writeable = False
        # The markers as looked for in the padded question.
        self._padded_markers = [(f" {m} ", m) for m in self._variant_docs]

    @staticmethod
    def _neighbour_maps(features: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """The words seen after / before each word in a name or alias: a misspelt word is most likely the
        one its neighbour is usually paired with ("khai xinh" → "sinh", "dang ky khia" → "khai")."""
        following: dict[str, set[str]] = {}
        preceding: dict[str, set[str]] = {}
        for f in features:
            if " " in f:
                first, second = f.split(" ", 1)
                following.setdefault(first, set()).add(second)
                preceding.setdefault(second, set()).add(first)
        return ({w: sorted(ws) for w, ws in following.items()}, {w: sorted(ws) for w, ws in preceding.items()})

    # ---------- query analysis ----------

    def _correct(self, token: str, before: str | None, after: str | None) -> list[str]:
        if not token.isalpha() or len(token) < 2:
            return [token]
        # A word the catalogue knows stands as typed, even beside neighbours it is never paired with: reading
        # it as a regional respelling ("thật" as "thạc") helped no typed question and sent small talk
        # ("chán thật sự") to procedure buttons.
        if token in self._filler_words or token in self._vocab_set:
            return [token]
        fitting = self._fitting(token, before, after)
        if fitting is not None:
            return [fitting]
        parts = self._unglue(token, paired=False)
        if parts is not None:
            return parts
        if len(token) < _SHORT_WORD:  # short syllables are too often real words missing from the catalogue
            return [token]
        # Typos are usually one edit away (a swap counts as one: "khia" → "khai"). Among equally close
        # syllables, prefer one that forms a known bigram with a neighbour, then the more common one.
        limit = 1 if len(token) < 6 else 2
        found = process.extract(token, self._vocab, scorer=OSA.distance, score_cutoff=limit, limit=20)
        if not found:
            return [token]
        best_distance = min(d for _, d, _ in found)

        def preference(word: str) -> tuple[bool, float]:
            return (not self._pairs_with(before, word, after), self._idf[word])

        return [min((w for w, d, _ in found if d == best_distance), key=preference)]

    def _unglue(self, token: str, paired: bool) -> list[str] | None:
        """Two syllables typed without the space between them ("khaisinh", "dangky", "gikhong") as two known
        words (or small-talk words), which must form a catalogue pair if `paired`; None if the token is not
        such. Folding "y" to "i" is redone on the head ("kykhai")."""
        known, fillers = self._vocab_set, self._filler_words
        if token in known or token in fillers or token in self._everyday_words or len(token) < 4 \
                or not token.isalpha():
            return None
        for cut in range(2, len(token) - 1):
            head, tail = fold_word(token[:cut]), token[cut:]
            if paired and f"{head} {tail}" in self._idf:
                return [head, tail]
            if not paired and (head in known or head in fillers) and (tail in known or tail in fillers):
                return [head, tail]
        return None

    def _pairs_with(self, before: str | None, word: str, after: str | None) -> bool:
        return (before is not None and f"{before} {word}" in self._idf) or (
            after is not None and f"{word} {after}" in self._idf
        )

    def _fitting(self, token: str, before: str | None, after: str | None) -> str | None:
        """The word a neighbour is paired with in the catalogue that the unknown `token` is a regional
        respelling of or one typing slip away from; the most common pair wins. None when there is none."""
        scored: list[tuple[int, float, str]] = []
        # A short unknown word is as often a real word the catalogue lacks ("gái", "cúp") as a slip: it is
        # only read as another when the pair it would form is common (in five names or more).
        bound = self._rare_bigram_idf if len(token) >= _SHORT_WORD else self._common_bigram_idf
        for word, neighbours, pair in ((before, self._following, "{n} {w}"), (after, self._preceding, "{w} {n}")):
            if word is None or word not in neighbours:
                continue
            paired = neighbours[word]
            close = [(w, 0) for w in regional_respellings(token) if w in self._vocab_set]
            close += [(w, int(d)) for w, d, _ in process.extract(
                token, paired, scorer=OSA.distance, score_cutoff=1, limit=None)]
            for w, distance in close:
                bigram = pair.format(n=word, w=w)
                weight = self._idf.get(bigram, math.inf)
                if weight <= bound:
                    scored.append((distance, weight, w))
        return min(scored)[2] if scored else None

    def _held(self, tokens: Sequence[str]) -> list[int]:
        """Positions of the words naming what the citizen already has ("con đã có giấy khai sinh rồi"): a
        paper held is the setting of the question, not the procedure wanted, and is left out of it. The
        words after "đã có" up to the next filler, at most `_HELD_SPAN`."""
        held: list[int] = []
        filler = self._scan(list(tokens), self._filler_index)
        for i in range(1, len(tokens)):
            if (tokens[i - 1], tokens[i]) not in _HOLDING:
                continue
            for k in range(i + 1, min(i + 1 + _HELD_SPAN, len(tokens))):
                if filler[k]:
                    break
                held.append(k)
        return held

    @staticmethod
    def _names_other_level(name: str, prefer: set[str]) -> bool:
        """Whether the name itself says another level handles it ("… (thực hiện tại cấp huyện)"), as some
        records listed at the commune do: the commune's own copy ("… tại cấp xã") should win."""
        said = _LEVEL_IN_NAME_RE.search(fold(name))
        return said is not None and _LEVEL_WORDS[said.group(1)] not in prefer

    @staticmethod
    def _phrase_index(phrases: Iterable[tuple[tuple[str, ...], str]]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """Phrases grouped by first word, longest first, so a scan costs one dict lookup per token."""
        index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, label in sorted(phrases, key=lambda item: len(item[0]), reverse=True):
            if phrase:
                index.setdefault(phrase[0], []).append((phrase, label))
        return index

    @staticmethod
    def _scan(tokens: list[str], index: Mapping[str, list[tuple[tuple[str, ...], str]]]) -> list[str | None]:
        """Label of the phrase covering each token (None when no phrase covers it)."""
        covered: list[str | None] = [None] * len(tokens)
        for i, token in enumerate(tokens):
            phrases = index.get(token)
            if phrases is None:  # most words start no phrase
                continue
            for phrase, label in phrases:
                n = len(phrase)
                if n == 1:  # filed under its only word: no need to compare
                    covered[i] = covered[i] or label
                    break
                if tuple(tokens[i : i + n]) == phrase:
                    for k in range(i, i + n):
                        covered[k] = covered[k] or label
                    break
        return covered

    def _chat_labels(self, tokens: list[str], squeezed: list[str] | None = None) -> list[str | None]:
        """Per token, the small-talk intent of the phrase covering it ("cảm ơn" → thanks), or None."""
        if squeezed is None:
            squeezed = self._squeezed(tokens)
        return [label or ("laugh" if _LAUGH_RE.match(token) else None)
                for label, token in zip(self._scan(squeezed, self._chitchat_index), tokens, strict=True)]

    @staticmethod
    def _squeezed(tokens: list[str]) -> list[str]:
        return _STRETCHED_RE.sub(lambda m: m.group(1) or m.group(2), " ".join(tokens)).split(" ")

    def _chitchat_intent(self, tokens: list[str]) -> str | None:
        squeezed = self._squeezed(tokens)
        known = self._small_talk_words
        if any(t not in known and s not in known and not _LAUGH_RE.match(t)
               for t, s in zip(tokens, squeezed, strict=True)):
            return None  # a word of neither small talk nor a filler: the scans below could not cover it
        chat = self._chat_labels(tokens, squeezed)
        labels = [label for label in chat if label]
        if not labels:
            return None
        filler = self._scan(tokens, self._filler_index)
        if all(c or f for c, f in zip(chat, filler, strict=True)):
            return labels[0]
        return None

    def _held_back_intent(self, text: str, tokens: list[str], unsure: bool = True,
                          words: Sequence[str] = (), anchored: bool = False) -> str | None:
        """The small-talk intent of an advert or a remark ("chợ sáng nay đông ghê"), and for a message the
        matcher is `unsure` about, of one that is only words wrapped around questions ("sao", "gì vậy"),
        thanks that ask for nothing, or that the small-talk model reads as asking for no procedure ("xổ số
        miền nam hôm nay đài nào": `words` as typed, more surely when `anchored`); None when it may be a
        question. (A greeting is no such sign: "chào ad, khai sinh cho con" asks with no question word.)"""
        if unsure and all(self._scan(tokens, self._filler_index)):
            return "ack"
        if is_advert(text):
            return "offtopic"
        if is_remark(text, lambda a, b: f"{a} {b}" in self._idf):
            return "remark"
        if unsure and "thanks" in self._chat_labels(tokens) and not asks_for_something(text):
            return "thanks"  # "cảm ơn cán bộ xã đã nhiệt tình": thanks with praise
        if unsure and self._small_talk is not None and self._small_talk.is_small_talk(words, anchored):
            return "remark"  # acknowledged, with a person one tap away
        return None

    def _is_word_in_context(self, before: str | None, token: str, after: str | None) -> bool:
        """A would-be abbreviation forming a catalogue bigram with a neighbour is a word ("liet sy")."""
        if token not in self._vocab_set:
            return False
        # A pair seen in only one or two names proves little ("si bang"); "liet si" is in dozens.
        common = self._common_bigram_idf
        return (before is not None and self._idf.get(f"{before} {token}", math.inf) <= common) or (
            after is not None and self._idf.get(f"{token} {after}", math.inf) <= common
        )

    # ---------- matching ----------

    def words(self, text: str) -> list[str]:
        """The message's folded words as the matcher reads them: Telex and VNI leftovers repaired,
        abbreviations expanded, and glued syllables that form a catalogue pair ("khaisinh") split."""
        return [part for token in folded_tokens(nfc(text).strip(), self._abbrev, self._is_word_in_context)
                for part in self._unglue(token, paired=True) or (token,)]

    def match(self, query: str) -> MatchResult:
        text = nfc(query).strip()
        lowered = text.lower()
        receipts = find_receipts(text)
        if receipts or asks_about_a_dossier(text):  # the dossier handler answers (or asks for the number)
            return MatchResult(query, "fallback", [], intent="receipt", receipt=next(iter(receipts), None))
        code_match = _CODE_RE.search(lowered)
        if code_match and code_match.group(1) in self._procs:
            proc = self._procs[code_match.group(1)]
            return MatchResult(query, "answer", [Candidate(proc.code, proc.name, 1.0)], intent="code")

        tokens = self.words(text)
        words = list(tokens)  # as typed, before anything is held, added or corrected
        if not tokens:
            # Emoji, stickers' alt text, punctuation: a reaction, not a question left unanswered.
            return MatchResult(query, "chitchat", [], intent="ack") if text else MatchResult(query, "fallback", [])
        intent = self._chitchat_intent(tokens)
        if intent is not None:
            return MatchResult(query, "chitchat", [], intent=intent)
        held = set(self._held(tokens))
        if held and len(held) < len(tokens):
            tokens = [t for k, t in enumerate(tokens) if k not in held]
        stated = f" {' '.join(tokens)} "  # markers the citizen typed, before any inferred ones
        hints = situation_hints(tokens)
        tokens += hints

        corrected: list[str] = []
        for i, token in enumerate(tokens):
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            corrected.extend(self._correct(token, corrected[-1] if corrected else None, after))
        # Catalogue words the everyday ones imply (as typed, and once misspellings are corrected).
        phrases_in = self._everyday_phrases_finder()
        concepts = self._concepts.expand(tokens, phrases_in(tokens))
        with_concepts = [*corrected, *concepts]
        concepts += self._concepts.expand(with_concepts, phrases_in(with_concepts))
        related = self._related.expand([*corrected, *concepts])
        # Everyday words the concept layer translated weigh less: the catalogue words stand in for them.
        weights = [TRANSLATED_WEIGHT if t else 1.0 for t in self._concepts.translated(corrected, phrases_in(corrected))]
        concept_weight = CONCEPT_WEIGHT * min(1.0, CONCEPT_WORDS / max(len(concepts), 1))
        weights += [concept_weight] * len(concepts) + [RELATED_WEIGHT * w for _, w in related]
        typed = corrected[: len(corrected) - len(hints)] if hints else corrected
        apart = spelled_apart(text, self._chat_spellings)
        phrase_matches = self._phrases.matches(typed, apart)
        phrase_scores = phrase_matches.best(len(self._proc_codes))
        if typed != stated.split():  # a word was corrected: the question as typed may be nearer a phrase
            phrase_scores = np.maximum(self._phrases.score(stated.split(), apart), phrase_scores)
        phrase_scores = np.maximum(phrase_scores, POOLED_PHRASES_FACTOR * self._pooled_phrases.score(typed, apart))
        ranked, parts = self._rank_parts([*corrected, *concepts, *(word for word, _ in related)], stated, weights,
                                         fields_until=len(corrected) + len(concepts), phrases=phrase_scores,
                                         phrase_matches=phrase_matches)
        # Whether the best procedure is anchored matters only when it is not plainly answered. The catalogue
        # words the everyday ones stand for anchor as typed ones do ("lợn chết vì dịch tả" is "dịch bệnh động
        # vật"): the thesaurus is hand-written.
        cfg = self.config
        plain_answer = bool(ranked) and ranked[0][1] >= cfg.answer_threshold and (
            len(ranked) == 1 or ranked[0][1] - ranked[1][1] >= cfg.answer_margin + 0.002)
        anchored = not plain_answer and (self._anchored(corrected, ranked) or self._anchored(concepts, ranked))
        result = self._decide(query, ranked, anchored)
        if self._model is not None and parts is not None and result.decision != "fallback":
            # The hand-set score found the candidates and that something fits; the learned weights order
            # them and decide between answering and asking (tools/fit_ranking.py).
            features = self.candidate_features(ranked, parts, tokens, corrected)
            ranked, result = self._learned_decision(query, ranked, features, result.decision == "answer")
        if result.decision == "clarify" and self._names_exactly(result.candidates[0].code, corrected):
            result = MatchResult(query, "answer", result.candidates[:1])
        if result.decision == "answer":
            result = self._ask_variant(result, ranked, corrected)
        elif result.decision == "clarify":
            result = self._named_variant_first(result, f" {' '.join(tokens)} ")
        if office_topics(text):
            # "t7 có làm không": a question about the office itself, which the office handler answers (it names
            # no procedure, or office_topics would be empty), however sure the ranking is of a lucky phrase.
            return MatchResult(query, "chitchat", [], intent="office")
        if not hints:
            # The message describes no situation the hints know: it may share words with procedures and yet
            # ask for none (and then deserves no "not found" either). An answer is held back only for an
            # advert or a remark ("xây nhà xong rồi, tân gia vui quá"), which ask for nothing by their form.
            # The concept layer's everyday phrases ("bìa đỏ", "ma chay") are procedure words: the model is not
            # asked about a message holding one.
            held_back = self._held_back_intent(text, typed, unsure=result.decision != "answer",
                                               words=() if concepts else words, anchored=anchored)
            if held_back is not None:
                return MatchResult(query, "chitchat", [], intent=held_back)
        return result

    def _everyday_phrases_finder(self) -> Callable[[Sequence[str]], Occurrences]:
        """For one question: where the concept layer's everyday phrases are in a word list, found once per
        distinct list (the question as typed, corrected, and with the implied words are mostly the same)."""
        found: dict[tuple[str, ...], Occurrences] = {}

        def phrases_in(words: Sequence[str]) -> Occurrences:
            key = tuple(words)
            if key not in found:
                found[key] = self._concepts.occurrences(key)
            return found[key]
        return phrases_in

    @staticmethod
    def _marker_penalty(marker: str, typed: bool) -> float:
        """How much a procedure lacking a marker the query has loses."""
        if marker not in _REQUIRED_MARKERS:
            return _SIBLING_PENALTY
        return 0.25 if typed else _INFERRED_REQUIRED_PENALTY

    def _rank(self, tokens: list[str], stated: str | None = None, weights: Sequence[float] | None = None,
              fields_until: int | None = None) -> list[tuple[int, float]]:
        return self._rank_parts(tokens, stated, weights, fields_until)[0]

    def _rank_parts(self, tokens: list[str], stated: str | None = None, weights: Sequence[float] | None = None,
                    fields_until: int | None = None, phrases: np.ndarray | None = None,
                    phrase_matches: PhraseMatches = NO_MATCHES,
                    ) -> tuple[list[tuple[int, float]], RankParts | None]:
        """Rank procedures; `stated` is the query as typed, whose required markers rule others out;
        `weights` (1.0 each by default) say how much each token counts in the query's share: words the
        concept layer or the related terms imply weigh less than typed ones (`phrases`: each procedure's best training
        phrase's similarity; `phrase_matches`: the phrases near the question). Only tokens before
        `fields_until` are searched in the records' other fields."""
        filler = self._scan(tokens, self._filler_index)
        n_docs = len(self._doc_codes)
        query_total = 0.0
        seen: set[str] = set()
        # Postings of the query's features and their weights, summed per document in one bincount each
        # (one call instead of a scattered add per feature keeps the p99 low).
        postings: list[np.ndarray] = []
        query_weights: list[float] = []
        doc_weights: list[float] = []
        for i, token in enumerate(tokens):
            weight = weights[i] if weights is not None else 1.0
            damp = (0.12 if filler[i] else 1.0) * weight
            if token not in seen:
                seen.add(token)
                idf = self._idf.get(token)
                query_total += (idf if idf is not None else self._unknown_weight) * damp
                if idf is not None:
                    postings.append(self._postings[token])
                    query_weights.append(idf * damp)
                    doc_weights.append(idf)
            if i + 1 < len(tokens):
                bigram = f"{token} {tokens[i + 1]}"
                idf = self._idf.get(bigram)
                if idf is not None and bigram not in seen:
                    seen.add(bigram)
                    pair_damp = min(weight, weights[i + 1]) if weights is not None else 1.0
                    query_total += idf * pair_damp
                    postings.append(self._postings[bigram])
                    query_weights.append(idf * pair_damp)
                    doc_weights.append(idf)
        if query_total <= 0 or not postings:
            return [], None
        ids = np.concatenate(postings)
        lengths = np.fromiter(map(len, postings), dtype=np.intp, count=len(postings))
        acc_query = np.bincount(ids, np.repeat(query_weights, lengths), minlength=n_docs)
        acc_doc = np.bincount(ids, np.repeat(doc_weights, lengths), minlength=n_docs)
        # Name documents come first, one per procedure in order; alias documents follow.
        n_names = len(self._proc_codes)
        query_cover = np.minimum(acc_query / query_total, 1.0)
        doc_cover = acc_doc / self._doc_weight
        per_proc = QUERY_SHARE * query_cover[:n_names] + (1 - QUERY_SHARE) * doc_cover[:n_names]
        # An alias found (almost) whole in the query speaks for itself, whatever else the sentence says;
        # "almost" may leave out common words, not a distinctive one: "mất hộ chiếu" does not speak for
        # "làm hộ chiếu".
        hit = np.flatnonzero(acc_doc[n_names:]) + n_names
        if hit.size:
            cover = doc_cover[hit]
            keys_found = self._key_words_found(tokens, n_docs)[hit]
            whole = (cover >= 0.7) & (keys_found >= self._alias_keys[hit])
            plain = 0.9 * (0.55 * query_cover[hit] + 0.45 * cover)
            # The query-cover term weighs enough that a name covering more of the query (a sibling
            # "… bổ sung") beats a shorter alias of the plain procedure.
            alias_scores = np.where(whole, (0.47 + 0.5 * query_cover[hit]) * (0.6 + 0.4 * cover), plain)
            np.maximum.at(per_proc, self._doc_proc[hit], alias_scores)
        phrase_score = phrases if phrases is not None else np.zeros(n_names)
        # A training phrase like the question speaks for its procedure, more weakly than a name.
        name_score = np.maximum(per_proc, PHRASE_FACTOR * phrase_score)
        # What the records say beside the name (documents, results, who applies): weaker evidence, and
        # weaker still for a procedure whose name and aliases share little with the question.
        content = [t for t, f in zip(tokens[:fields_until], filler, strict=False) if not f]
        field_features = [*content, *(f"{a} {b}" for a, b in itertools.pairwise(content))]
        field = self._fields.score(field_features)[self._name_group]
        field_score = FIELD_WEIGHT * field * np.where(name_score >= FIELD_NAME_SUPPORT, 1.0, 0.4)
        before_markers = name_score + field_score
        # Crossing the border ("bị lừa bán qua biên giới", "giấy thông hành qua biên giới") is no "… khu vực
        # biên giới" variant: only the words say where the citizen lives or marries count as its marker.
        query_text = _CROSSING_RE.sub(" ", f" {' '.join(tokens)} ")
        # Every variant costs a little unless the query names it (precomputed; the named ones are given back).
        per_proc = before_markers - self._absent_variant_penalty
        unnamed_variant = self._apply_markers(per_proc, query_text, stated)
        # The level bonus, for the procedures still in the running (in place: `per_proc` is this call's own).
        np.add(per_proc, self._proc_bonus, out=per_proc, where=per_proc > 0)
        top = np.argpartition(-per_proc, min(12, len(per_proc) - 1))[:12].tolist()
        top_scores = dict(zip(top, per_proc[top].tolist(), strict=True))
        order = sorted(top, key=lambda i: (-top_scores[i], self._proc_codes[i]))
        # The same procedure published per level ("… (thực hiện tại cấp tỉnh)") is one choice for the
        # citizen: keep the best-placed one, which the level preference has put first.
        ranked: list[tuple[int, float]] = []
        names_seen: set[int] = set()
        for i in order:
            name = self._name_group_of[i]
            if top_scores[i] > 0 and name not in names_seen:
                names_seen.add(name)
                ranked.append((i, top_scores[i] / _MAX_RAW_SCORE))
        parts = RankParts(name_score, field_score, per_proc, before_markers,
                          query_cover[:n_names], doc_cover[:n_names], phrase_score, phrase_matches,
                          self._unnamed_by_default if unnamed_variant is None else unnamed_variant > 1e-9)
        return ranked, parts

    def _apply_markers(self, per_proc: np.ndarray, query_text: str, stated: str | None) -> np.ndarray | None:
        """Adjust `per_proc` in place for the variant and sibling markers the query names; return the
        unnamed-variant flags when a variant is named (None: the default ones hold)."""
        unnamed_variant: np.ndarray | None = None  # copied from the default only when a variant is named
        for marker in (m for padded, m in self._padded_markers if padded in query_text):
            ids = self._variant_docs[marker]
            if marker in _VARIANT_MARKERS:
                per_proc[ids] += _ABSENT_VARIANT_PENALTY
                if unnamed_variant is None:
                    unnamed_variant = self._absent_variant_penalty.copy()
                unnamed_variant[ids] -= _ABSENT_VARIANT_PENALTY
            if marker in _REQUIRED_MARKERS or marker in _SIBLING_MARKERS:
                # A marker only inferred from the situation ("người Hàn Quốc") rules out less than a typed one.
                penalty = self._marker_penalty(marker, stated is None or f" {marker} " in stated)
                if marker in _REQUIRED_MARKERS:
                    per_proc[self._marker_rivals[marker]] -= penalty
                else:
                    per_proc -= penalty  # procedures lacking the marker lose; those having it are given it back
                    per_proc[ids] += penalty
            if marker in _CONFLICTING_MARKERS:
                per_proc[self._variant_docs[_CONFLICTING_MARKERS[marker]]] -= 0.15
        return unnamed_variant

    def _key_words_found(self, tokens: Sequence[str], n_docs: int) -> np.ndarray:
        """Per document, how many distinct distinctive single words (see ALIAS_KEY_IDF) of the question it has:
        a count over their postings only, not a weighted one over all the question's."""
        keys = [self._postings[t] for t in dict.fromkeys(tokens) if self._idf.get(t, 0.0) >= ALIAS_KEY_IDF]
        return np.bincount(np.concatenate(keys), minlength=n_docs) if keys else np.zeros(n_docs, dtype=np.intp)

    def candidate_features(self, ranked: list[tuple[int, float]], parts: RankParts, tokens: Sequence[str],
                           corrected: Sequence[str] | None = None) -> list[list[float]]:
        """One row of `RANKING_FEATURES` per ranked candidate (what the hand-set score already computed, plus
        how the question's action agrees with the name's, and how much of the question the name has as
        whole phrases); `corrected` are the tokens after typo correction (default `tokens`)."""
        asked = self._actions.of_query(tokens) - {BEGIN}
        filler = self._scan(list(tokens), self._filler_index)
        content = [t for t, f in zip(tokens, filler, strict=True) if not f]
        n_content = max(len(set(content)), 1)
        typed = list(corrected if corrected is not None else tokens)
        typed_filler = self._scan(typed, self._filler_index)
        pairs: dict[tuple[str, str], list[int]] = {}  # where each pair of content words is in the question
        for k, pair in enumerate(itertools.pairwise(typed)):
            if not (typed_filler[k] or typed_filler[k + 1]):
                pairs.setdefault(pair, []).append(k)
        n_typed = max(sum(1 for f in typed_filler if not f), 1)
        top_score = ranked[0][1]
        procs = [i for i, _ in ranked]
        uncovered = self._uncovered(procs, content)
        second_phrases = parts.phrase_matches.second_best(procs)
        # The candidates' parts as Python floats, one gather per part: reading a dozen NumPy scalars one by one
        # per candidate cost more than the rest of the row. (Float arithmetic gives the same values.)
        name, field, query_cover, name_cover, phrase, unnamed_variant = (
            part[procs].tolist() for part in (parts.name, parts.field, parts.query_cover, parts.name_cover,
                                              parts.phrase, parts.unnamed_variant))
        # The markers' net adjustment: the final score less the score before them and the level bonus.
        markers = (parts.scored[procs] - parts.unmarked[procs] - self._proc_bonus[procs]).tolist()
        preferred = self._preferred[procs].tolist()
        rows: list[list[float]] = []
        for k, (i, score) in enumerate(ranked):
            plain = QUERY_SHARE * query_cover[k] + (1 - QUERY_SHARE) * name_cover[k]
            does = self._name_does[i]
            rows.append([
                score,
                name[k],
                field[k],
                markers[k],
                float(preferred[k]),
                query_cover[k],
                name_cover[k],
                float(name[k] > plain + 1e-6),
                float(bool(asked & does)),
                float(bool(asked) and bool(does) and not asked & does),
                float(not asked and bool(does)),
                uncovered[k] / n_content,
                top_score - score,
                self._log_name_length[i],
                self._phrase_cover(i, pairs) / n_typed,
                phrase[k],
                float(PHRASE_FACTOR * phrase[k] > plain + 1e-6),
                float(unnamed_variant[k]),
                second_phrases[k],
            ])
        return rows

    def _phrase_cover(self, proc: int, pairs: Mapping[tuple[str, str], Sequence[int]]) -> int:
        """How many of the question's content words the name has next to a neighbour as in the question
        ("hộ kinh doanh" whole, not "hộ" here and "kinh doanh" there): phrases, not scattered words. `pairs`
        are where each pair of content words is in the question: the name's pairs are looked up there, one
        set intersection instead of a test per pair of a long question and candidate."""
        covered: set[int] = set()
        for pair in self._name_pairs[proc].intersection(pairs):
            for k in pairs[pair]:
                covered.update((k, k + 1))
        return len(covered)

    def _learned_decision(self, query: str, ranked: list[tuple[int, float]], features: list[list[float]],
                          hand_set_answer: bool = False) -> tuple[list[tuple[int, float]], MatchResult]:
        """Order the candidates by the learned weights; answer when the confidence model trusts the best
        one; otherwise offer the likely ones."""
        model = self._model
        assert model is not None
        logits = np.asarray(features) @ model.weights
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = [int(k) for k in np.argsort(-probs, kind="stable")]
        reordered = [ranked[k] for k in order]
        chosen = [(ranked[k][0], float(probs[k])) for k in order]
        if model.confidence(probs, order, features, hand_set_answer) >= model.answer_confidence:
            return reordered, MatchResult(query, "answer", self._candidates(chosen[:1]))
        offered: list[tuple[int, float]] = []
        mass = 0.0
        for item in chosen[: self.config.max_candidates]:
            if len(offered) >= 2 and mass >= model.clarify_mass:
                break
            offered.append(item)
            mass += item[1]
        return reordered, MatchResult(query, "clarify", self._candidates(offered))

    def _names_exactly(self, code: str, tokens: Sequence[str]) -> bool:
        """Whether the question, its fillers aside, is the procedure's name ("đăng ký thường trú", "dang ky
        thuong tru ạ"): the citizen named what they want, however close its siblings rank."""
        def content(words: Sequence[str]) -> list[str]:
            return [t for t, f in zip(words, self._scan(list(words), self._filler_index), strict=True) if not f]
        return content(tokens) == content(self._name_tokens[code])

    def _uncovered(self, procs: Sequence[int], tokens: Sequence[str]) -> list[int]:
        """Per procedure, how many content words of the question its name and record do not mention (the
        records are searched for all the procedures at once: per word and procedure costs too much on long
        questions)."""
        words = [t for t in dict.fromkeys(tokens) if not (t in self._filler_words or len(t) < 2 or t.isdigit())]
        mentioned = self._fields.mentioned(self._name_group[list(procs)], words)
        # The question's words its name has (one set intersection per name) count as mentioned too.
        row = {word: k for k, word in enumerate(words)}
        for column, proc in enumerate(procs):
            for token in self._name_words[proc].intersection(row):
                mentioned[row[token], column] = True
        return (~mentioned).sum(axis=0).tolist()

    def _ask_variant(self, result: MatchResult, ranked: list[tuple[int, float]], tokens: Sequence[str],
                     ) -> MatchResult:
        """An answer whose sibling variants ("… lưu động", "… có yếu tố nước ngoài", "… lại") rank close
        behind becomes a question naming the difference, when the citizen said things the plain
        procedure does not cover: a wrong confident answer costs more than one tap."""
        top, top_score = ranked[0]
        family = self._family[top]
        siblings = [(i, score) for i, score in ranked[1:]
                    if self._family[i] == family and score >= top_score - _VARIANT_CLARIFY_WINDOW]
        if not siblings:
            return result
        filler = self._scan(list(tokens), self._filler_index)
        content = [t for t, f in zip(tokens, filler, strict=True) if not f]
        if self._uncovered([top], content)[0] < _UNCOVERED_FOR_VARIANT_CLARIFY:
            return result
        chosen = [(top, top_score), *siblings][: self.config.max_candidates]
        return MatchResult(result.query, "clarify", self._candidates(chosen))

    def _named_variant_first(self, result: MatchResult, query_text: str) -> MatchResult:
        """A clarifying question whose first button is a plain procedure, and whose later one is its variant
        that the question names or implies ("chồng em người Đài Loan … khai sinh" → "… có yếu tố nước
        ngoài"; "mất thẻ" → "cấp lại"), lists the variant first: the citizen said what tells them apart."""
        named = {m for m in (*_REQUIRED_MARKERS, *_SIBLING_MARKERS) if f" {m} " in query_text}
        if not named:
            return result
        numbers = [self._number_of[c.code] for c in result.candidates]
        first = numbers[0]
        if named & self._variant_of[first]:
            return result
        for k, i in enumerate(numbers[1:], 1):
            if self._family[i] == self._family[first] and named & self._variant_of[i]:
                candidates = [result.candidates[k], *result.candidates[:k], *result.candidates[k + 1:]]
                return MatchResult(result.query, "clarify", self._candidates(
                    [(self._number_of[c.code], c.score) for c in candidates]))
        return result

    def _anchored(self, tokens: Sequence[str], ranked: list[tuple[int, float]]) -> bool:
        """Whether the name (or an alias) of one of the best ANCHOR_CANDIDATES procedures has distinctive word
        pairs of the question: ones found in at most `_ANCHOR_MAX_NAMES` names, so not "cấp giấy" or "đăng
        ký". One pair is enough for a procedure of the preferred levels (the commune's); above the commune it
        takes two ("cấp điện mới"), since one ("xổ số", "bóng đá") names a business licence more often than what a
        citizen chatting about the lottery wants."""
        # The procedures naming each distinctive pair of the question, found once for all the candidates.
        naming = [self._doc_proc[self._postings[pair]] for a, b in itertools.pairwise(tokens)
                  if self._idf.get(pair := f"{a} {b}", 0.0) >= self._anchor_idf]
        return any(sum(proc in procs for procs in naming) >= (1 if self._preferred[proc] else 2)
                   for proc, _ in ranked[:ANCHOR_CANDIDATES])

    def _candidates(self, ranked: list[tuple[int, float]]) -> list[Candidate]:
        candidates: list[Candidate] = []
        previous = math.inf
        for i, score in ranked:
            score = min(round(min(score, 1.0), 3), round(previous - 0.001, 3))  # never tied
            previous = score
            code = self._proc_codes[i]
            candidates.append(Candidate(code, self._procs[code].name, score))
        return candidates

    def _decide(self, query: str, ranked: list[tuple[int, float]], anchored: bool = False) -> MatchResult:
        cfg = self.config
        # Only the first few can be offered: the scores fall strictly (never tied), so the close ones are a
        # prefix, and a candidate's score depends only on those before it. Building all twelve cost more.
        candidates = self._candidates(ranked[: max(cfg.max_candidates, 2)])
        floor = cfg.anchored_clarify_threshold if anchored else cfg.clarify_threshold
        if not candidates or candidates[0].score < floor:
            return MatchResult(query, "fallback", [])
        top = candidates[0].score
        second = candidates[1].score if len(candidates) > 1 else 0.0
        if top >= cfg.answer_threshold and top - second >= cfg.answer_margin:
            return MatchResult(query, "answer", candidates[:1])
        close = [c for c in candidates if c.score >= top - cfg.clarify_window and c.score >= floor]
        if len(close) < 2:
            close = candidates[:2]
        return MatchResult(query, "clarify", close[: cfg.max_candidates])
