"""Linear models over a message's words, learnt from examples: is it small talk, and which office topic.

Rules catch small talk made only of known phrases ("cảm ơn ad", "ok"), remarks with a degree word ("chợ sáng
nay đông ghê") and office questions with a known signature ("thứ 7 có làm việc không"). The open class escapes
them: "cúp điện cả xóm từ chiều, nóng muốn xỉu", "xổ số miền nam hôm nay đài nào", "wifi ủy ban mật khẩu gì",
"trên VNeID có nộp hồ sơ được không". These models read the whole message instead: logistic regressions over
folded words and word pairs, fitted by tools/fit_message_models.py on written examples (data/small_talk.tsv,
data/chitchat.tsv) against the training phrases and aliases, and shipped as data/small_talk_weights.json and
data/office_topic_weights.json. The matcher asks the small-talk model only when it has no confident answer; the
office check asks the topic model only when no signature matched.

Pure: `parse(text)` reads a model's weights; `probability(words)` / `topics(words)` score a message's words.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

# A model judges only a message most of whose words it saw in training: one of unknown words ("asdfgh
# qwerty", a rare procedure's name) would get only the bias.
KNOWN_SHARE = 2 / 3
# A message the matcher anchored in a procedure's distinctive words ("sáng mai em qua chứng thực được ko ad")
# is small talk only at this probability.
ANCHORED_THRESHOLD = 0.9
NO_TOPIC = "none"
# A topic beside the best one is answered too when it holds at least this share of the office probability.
TOPIC_SHARE = 0.3


def message_features(words: Sequence[str]) -> list[str]:
    """A message's folded words and its adjacent word pairs ("cup dien", "xo so"), each once."""
    return list(dict.fromkeys([*words, *(f"{a} {b}" for a, b in pairwise(words))]))


def knows_enough(weights: Mapping[str, object], words: Sequence[str]) -> bool:
    return bool(words) and sum(w in weights for w in words) >= KNOWN_SHARE * len(words)


@dataclass(frozen=True)
class SmallTalkModel:
    """Whether a message asks for a procedure at all."""

    weights: Mapping[str, float]
    bias: float
    threshold: float  # a message at or above this probability asks for no procedure

    @classmethod
    def parse(cls, text: str) -> SmallTalkModel | None:
        if not text.strip():
            return None
        data = json.loads(text)
        return cls(dict(data["weights"]), float(data["bias"]), float(data["threshold"]))

    def probability(self, words: Sequence[str]) -> float:
        """How likely a message (its folded words) is small talk rather than a procedure request."""
        z = self.bias + sum(self.weights.get(f, 0.0) for f in message_features(words))
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def is_small_talk(self, words: Sequence[str], anchored: bool = False) -> bool:
        """Whether the message asks for no procedure; one the matcher `anchored` needs ANCHORED_THRESHOLD."""
        threshold = max(self.threshold, ANCHORED_THRESHOLD) if anchored else self.threshold
        return knows_enough(self.weights, words) and self.probability(words) >= threshold


@dataclass(frozen=True)
class TopicModel:
    """Which office topic a message asks about, if any (a softmax over NO_TOPIC and the topics)."""

    classes: tuple[str, ...]
    weights: Mapping[str, np.ndarray]  # per feature, one weight per class
    bias: np.ndarray
    threshold: float  # an office question at or above this probability
    # The same for a message some pair of whose words is in a procedure's name ("gửi xe ở đâu an toàn":
    # "an toàn"); 1.0 (never) unless the weights file says otherwise.
    named_threshold: float = 1.0

    @classmethod
    def parse(cls, text: str) -> TopicModel | None:
        if not text.strip():
            return None
        data = json.loads(text)
        return cls(tuple(data["classes"]), {f: np.asarray(w, dtype=float) for f, w in data["weights"].items()},
                   np.asarray(data["bias"], dtype=float), float(data["threshold"]),
                   float(data.get("named_threshold", 1.0)))

    def probabilities(self, words: Sequence[str]) -> np.ndarray:
        z = self.bias.copy()
        for f in message_features(words):
            row = self.weights.get(f)
            if row is not None:
                z += row
        p = np.exp(z - z.max())
        return p / p.sum()

    def ranked(self, words: Sequence[str]) -> tuple[float, list[str]]:
        """How likely the message is an office question at all (1 - P(NO_TOPIC)), and the topics holding at
        least TOPIC_SHARE of that, most likely first: "xe lăn vào ủy ban có đường dốc không" is surely an
        office question, about the way in (address) or the visit."""
        p = self.probabilities(words)
        office = 1.0 - float(p[self.classes.index(NO_TOPIC)]) if NO_TOPIC in self.classes else 1.0
        order = sorted((k for k, c in enumerate(self.classes) if c != NO_TOPIC), key=lambda k: -p[k])
        return office, [self.classes[k] for k in order if k == order[0] or p[k] >= TOPIC_SHARE * office]

    def topics(self, words: Sequence[str], names_procedure: bool = False) -> list[str]:
        """The office topics the message asks about, most likely first; none when it is unsure that it is an
        office question at all (surer still when it `names_procedure`), or when it never saw most of the
        message's words."""
        if not knows_enough(self.weights, words):
            return []
        office, topics = self.ranked(words)
        return topics if office >= (self.named_threshold if names_procedure else self.threshold) else []
