"""Single- and multiple-choice answers."""

from __future__ import annotations

import re

from .base import (  # noqa: F401 — shared helpers of the judges
    AnswerError,
    Judge,
    JudgeConfigError,
    Verdict,
    _bool,
    _check_dict,
    _check_keys,
    _list,
    _text,
    choices,
    normalise_text,
    register,
)

# --------------------------------------------------------------------------------------------
# single_choice and multiple_choice

_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,20}")


def _clean_choices(config: dict) -> list[dict]:
    items = _list(config, "choices", minimum=2, maximum=10, what="options")
    cleaned, keys, texts = [], set(), set()
    for i, item in enumerate(items):
        where = f"choices[{i}]"
        _check_dict(item, where, f"Option {i + 1}")
        _check_keys(item, {"key", "text"}, required=("key", "text"), prefix=where)
        key = item["key"]
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise JudgeConfigError(
                f"Option {i + 1}: the key must be 1–20 letters, digits, “-” or “_” (no spaces or commas).",
                f"{where}.key",
            )
        if key in keys:
            raise JudgeConfigError(f"Duplicate option key “{key}”; keys must be unique.", f"{where}.key")
        text = _text(item["text"], f"{where}.text", max_length=500, what=f"Option {i + 1}'s text")
        if normalise_text(text) in texts:
            raise JudgeConfigError(f"Option {i + 1} repeats the text of an earlier option.", f"{where}.text")
        keys.add(key)
        texts.add(normalise_text(text))
        cleaned.append({"key": key, "text": text})
    return cleaned


def _choice_key(answer, keys, max_length: int) -> str:
    if answer is None:
        raise AnswerError("Please choose an option.", "empty")
    if not isinstance(answer, str):
        raise AnswerError("Your answer must be the key of an option.", "wrong_type")
    answer = answer.strip()
    if not normalise_text(answer):
        raise AnswerError("Please choose an option.", "empty")
    if len(answer) > max_length:
        raise AnswerError(f"Your answer is too long (at most {max_length} characters).", "too_long")
    if answer not in keys:
        raise AnswerError(f"“{answer}” is not one of the options.", "malformed")
    return answer


@register
class SingleChoiceJudge(Judge):
    kind = "single_choice"
    label = "Single choice"
    input_type = "single_choice"
    max_answer_length = 20

    def validate_config(self, config):
        config = _check_dict(config, None)
        _check_keys(config, {"choices", "correct", "shuffle"}, required=("choices", "correct"))
        options = _clean_choices(config)
        correct = config["correct"]
        if not isinstance(correct, str) or correct not in {option["key"] for option in options}:
            raise JudgeConfigError(f"“correct” must be the key of one of the options, not {correct!r}.", "correct")
        return {"choices": options, "correct": correct, "shuffle": _bool(config, "shuffle", False)}

    def public_config(self, config):
        config = self.validate_config(config)
        return {"choices": [dict(option) for option in config["choices"]], "shuffle": config["shuffle"]}

    def _clean(self, config, answer):
        return _choice_key(answer, {option["key"] for option in config["choices"]}, self.max_answer_length)

    def _grade(self, config, answer):
        if answer == config["correct"]:
            return Verdict(True, 100, "Correct!")
        return Verdict(False, 0, "Not quite.")

    def example_answer(self, config):
        return self.validate_config(config)["correct"]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@register
class MultipleChoiceJudge(Judge):
    kind = "multiple_choice"
    label = "Multiple choice"
    input_type = "multiple_choice"
    max_answer_length = 200

    def validate_config(self, config):
        config = _check_dict(config, None)
        _check_keys(config, {"choices", "correct", "partial_credit", "shuffle"}, required=("choices", "correct"))
        options = _clean_choices(config)
        keys = [option["key"] for option in options]
        correct = _list(config, "correct", minimum=1, maximum=len(options), what="option keys")
        for i, key in enumerate(correct):
            if not isinstance(key, str) or key not in keys:
                raise JudgeConfigError(f"“correct” must list keys of the options; {key!r} is not one.", f"correct[{i}]")
        if len(set(correct)) != len(correct):
            raise JudgeConfigError("“correct” lists a key more than once.", "correct")
        return {
            "choices": options,
            "correct": [key for key in keys if key in correct],
            "partial_credit": _bool(config, "partial_credit", True),
            "shuffle": _bool(config, "shuffle", False),
        }

    def public_config(self, config):
        config = self.validate_config(config)
        return {"choices": [dict(option) for option in config["choices"]], "shuffle": config["shuffle"]}

    def _clean(self, config, answer):
        """A list of keys (or a comma-separated string) → the distinct keys, in option order."""
        if answer is None:
            raise AnswerError("Please choose at least one option.", "empty")
        if isinstance(answer, str):
            if len(answer.strip()) > self.max_answer_length:
                raise AnswerError(f"Your answer is too long (at most {self.max_answer_length} characters).", "too_long")
            answer = answer.split(",")
        if not isinstance(answer, list | tuple):
            raise AnswerError("Your answer must be a list of option keys.", "wrong_type")
        if len(answer) > 2 * len(config["choices"]):
            raise AnswerError("Your answer lists too many options.", "too_long")
        keys = [option["key"] for option in config["choices"]]
        picked = set()
        for part in answer:
            if not isinstance(part, str):
                raise AnswerError("Your answer must be a list of option keys.", "wrong_type")
            if normalise_text(part):
                picked.add(_choice_key(part, keys, 20))
        if not picked:
            raise AnswerError("Please choose at least one option.", "empty")
        return [key for key in keys if key in picked]

    def _grade(self, config, answer):
        correct, picked = set(config["correct"]), set(answer)
        right, wrong = len(picked & correct), len(picked - correct)
        if picked == correct:
            return Verdict(True, 100, "Correct!")
        score = round(max(0, (right - wrong) / len(correct)) * 100) if config["partial_credit"] else 0
        parts = [f"{_plural(right, 'of your picks is', 'of your picks are')} right"]
        missing = len(correct) - right
        if missing:
            parts.append(f"{_plural(missing, 'correct option is', 'correct options are')} missing")
        if wrong:
            parts.append(f"{_plural(wrong, 'pick is', 'picks are')} wrong")
        feedback = "Not quite: " + "; ".join(parts) + "."
        return Verdict(False, score, feedback)

    def example_answer(self, config):
        return list(self.validate_config(config)["correct"])
