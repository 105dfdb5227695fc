"""Short written explanations: fuzzy similarity to reference answers plus key ideas that must appear."""

from __future__ import annotations

import math
from typing import ClassVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .base import (
    Judge,
    JudgeConfigError,
    Verdict,
    _check_dict,
    _check_keys,
    _clean_text_answer,
    _float,
    _int,
    _list,
    _text,
    _words,
    register,
)

# --------------------------------------------------------------------------------------------
# free_text


def _same_word(phrase_word: str, word: str) -> bool:
    """Equal, or equal up to a simple English plural (s, es, y → ies) on either side."""
    if phrase_word == word:
        return True
    short, long = sorted((phrase_word, word), key=len)
    return long in (short + "s", short + "es") or (short.endswith("y") and long == short[:-1] + "ies")


def _typo_budget(phrase: str) -> int:
    """Edits tolerated for a phrase: none below 5 characters, one up to 9, two from 10."""
    return 0 if len(phrase) < 5 else 1 if len(phrase) < 10 else 2


def _plural_variants(word: str) -> set[str]:
    """Every word `_same_word` accepts for ``word``."""
    variants = {word, word + "s", word + "es"}
    if word.endswith("s"):
        variants.add(word[:-1])
    if word.endswith("es"):
        variants.add(word[:-2])
    if word.endswith("y"):
        variants.add(word[:-1] + "ies")
    if word.endswith("ies"):
        variants.add(word[:-3] + "y")
    return variants


class _Words:
    """An answer's words, indexed once so each key-idea phrase is checked quickly."""

    def __init__(self, words: list[str]):
        self.words = words
        self.positions: dict[str, list[int]] = {}
        for i, word in enumerate(words):
            self.positions.setdefault(word, []).append(i)
        self._windows: dict[tuple[int, str], list[str]] = {}

    def windows(self, size: int, first_letter: str) -> list[str]:
        """Runs of ``size`` consecutive words, joined, that start with ``first_letter``."""
        key = (size, first_letter)
        if key not in self._windows:
            words = self.words
            self._windows[key] = [
                " ".join(words[i : i + size]) for i in range(len(words) - size + 1) if words[i].startswith(first_letter)
            ]
        return self._windows[key]


def _phrase_present(phrase_words: list[str], answer: _Words) -> bool:
    """Is the phrase in the answer, on word boundaries? Compared against every run of as many
    consecutive answer words: each word equal up to a simple plural, or — for phrases of 5+
    characters — within a small edit budget (rapidfuzz OSA distance, so a transposition counts
    as one edit) with the same first letter. Matching whole-word windows instead of
    `partial_ratio` over the raw text keeps "test data" from matching inside "latest data" and
    "unseen" from matching "seen"."""
    size = len(phrase_words)
    words = answer.words
    for variant in _plural_variants(phrase_words[0]):
        for i in answer.positions.get(variant, ()):
            window = words[i : i + size]
            if len(window) == size and all(map(_same_word, phrase_words, window)):
                return True
    phrase = " ".join(phrase_words)
    budget = _typo_budget(phrase)
    if not budget:
        return False
    candidates = answer.windows(size, phrase[0])
    return process.extractOne(phrase, candidates, scorer=OSA.distance, score_cutoff=budget) is not None


def _similarity(answer_words: list[str], reference_words: list[str]) -> float:
    """0–100: how much of a reference the answer says, in any order.

    token_set_ratio compares the shared words plus each side's remainder, so word order and
    extra explanation in the answer cost little — right for short explanations that are
    paraphrased. Its flaw is that any *subset* of the reference scores 100 ("the test set"
    alone would); so when the answer has fewer distinct words than the reference, the score is
    damped by sqrt(answer words / reference words): a concise answer half the reference's
    length keeps 71% of its score, a three-word fragment of a 27-word reference keeps a third.
    """
    ratio = fuzz.token_set_ratio(" ".join(answer_words), " ".join(reference_words))
    coverage = min(1.0, len(set(answer_words)) / max(1, len(set(reference_words))))
    return ratio * math.sqrt(coverage)


@register
class FreeTextJudge(Judge):
    kind = "free_text"
    label = "Free text"
    input_type = "textarea"
    max_answer_length = 2000

    KEYS: ClassVar[set[str]] = {"references", "key_ideas", "pass_threshold", "similarity_weight", "min_words"}

    def validate_config(self, config):
        config = _check_dict(config, None)
        _check_keys(config, self.KEYS, required=("references",))
        references = [
            _text(text, f"references[{i}]", max_length=self.max_answer_length, what=f"Reference {i + 1}")
            for i, text in enumerate(_list(config, "references", minimum=1, maximum=20, what="reference answers"))
        ]
        ideas = []
        if "key_ideas" in config:
            for i, idea in enumerate(_list(config, "key_ideas", minimum=0, maximum=20, what="key ideas")):
                where = f"key_ideas[{i}]"
                _check_dict(idea, where, f"Key idea {i + 1}")
                _check_keys(idea, {"name", "any_of"}, required=("name", "any_of"), prefix=where)
                name = _text(idea["name"], f"{where}.name", max_length=200, what=f"Key idea {i + 1}'s name")
                phrases = _list(idea, "any_of", minimum=1, maximum=50, what="phrases", prefix=where)
                for j, phrase in enumerate(phrases):
                    _text(phrase, f"{where}.any_of[{j}]", max_length=100, what=f"Key idea {i + 1}'s phrase {j + 1}")
                    if not _words(phrase):
                        raise JudgeConfigError(
                            f"Key idea {i + 1}'s phrase {j + 1} has no letters or digits.", f"{where}.any_of[{j}]"
                        )
                ideas.append({"name": name, "any_of": [phrase.strip() for phrase in phrases]})
        cleaned = {
            "references": references,
            "key_ideas": ideas,
            "pass_threshold": _int(config, "pass_threshold", 60, minimum=0, maximum=100),
            "similarity_weight": _float(config, "similarity_weight", 0.5, minimum=0, maximum=1),
            "min_words": _int(config, "min_words", 5, minimum=0, maximum=300),
        }
        # Every reference must itself pass, or a learner copying the model answer would fail.
        for i, reference in enumerate(references):
            words = _words(reference)
            if len(words) < cleaned["min_words"]:
                raise JudgeConfigError(
                    f"Reference {i + 1} has {len(words)} words, fewer than min_words ({cleaned['min_words']}).",
                    f"references[{i}]",
                )
            missing = self._missing_ideas(cleaned, words)
            if missing:
                raise JudgeConfigError(
                    f"Reference {i + 1} does not contain any phrase of the key idea “{missing[0]}”; "
                    "add the wording it uses to that idea's any_of.",
                    f"references[{i}]",
                )
        return cleaned

    def public_config(self, config):
        return {"min_words": self.validate_config(config)["min_words"]}

    def _clean(self, config, answer):
        return _clean_text_answer(answer, self.max_answer_length)

    def _missing_ideas(self, config, words: list[str]) -> list[str]:
        indexed = _Words(words)
        return [
            idea["name"]
            for idea in config["key_ideas"]
            if not any(_phrase_present(_words(phrase), indexed) for phrase in idea["any_of"])
        ]

    def _grade(self, config, answer):
        words = _words(answer)
        similarity = max(_similarity(words, _words(reference)) for reference in config["references"])
        missing = self._missing_ideas(config, words)
        ideas = config["key_ideas"]
        if ideas:
            present = (len(ideas) - len(missing)) / len(ideas)
            weight = config["similarity_weight"]
            score = round(weight * similarity + (1 - weight) * present * 100)
        else:  # nothing to check but similarity, which then counts in full
            score = round(similarity)
        too_short = len(words) < config["min_words"]
        correct = score >= config["pass_threshold"] and not missing and not too_short
        if correct:
            return Verdict(True, score, "Well explained!")
        feedback = []
        if too_short:
            feedback.append(f"Your answer is quite short — explain it in at least {config['min_words']} words.")
        if missing:
            feedback.append(f"Your answer does not yet explain: {'; '.join(missing)}.")
        if not feedback:
            feedback.append("You touch on the key ideas; explain them more fully and how they connect.")
        return Verdict(False, min(score, 99) if too_short or missing else score, " ".join(feedback))

    def example_answer(self, config):
        return self.validate_config(config)["references"][0]
