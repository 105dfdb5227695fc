"""Exact text answers, compared after normalising case, spacing and Unicode."""

from __future__ import annotations

from .base import (
    Judge,
    Verdict,
    _bool,
    _check_dict,
    _check_keys,
    _clean_text_answer,
    _list,
    _text,
    normalise_text,
    register,
)

# --------------------------------------------------------------------------------------------
# exact


@register
class ExactJudge(Judge):
    kind = "exact"
    label = "Exact answer"
    input_type = "text"
    max_answer_length = 200

    def validate_config(self, config):
        config = _check_dict(config, None)
        _check_keys(config, {"answers", "case_sensitive"}, required=("answers",))
        answers = [
            _text(answer, f"answers[{i}]", max_length=self.max_answer_length, what=f"Answer {i + 1}")
            for i, answer in enumerate(_list(config, "answers", minimum=1, maximum=50, what="accepted answers"))
        ]
        return {"answers": answers, "case_sensitive": _bool(config, "case_sensitive", False)}

    def _clean(self, config, answer):
        return _clean_text_answer(answer, self.max_answer_length)

    def _grade(self, config, answer):
        sensitive = config["case_sensitive"]
        given = normalise_text(answer, casefold=not sensitive)
        if any(given == normalise_text(ok, casefold=not sensitive) for ok in config["answers"]):
            return Verdict(True, 100, "Correct!")
        if sensitive and any(given.casefold() == normalise_text(ok) for ok in config["answers"]):
            return Verdict(False, 0, "Not quite. Check your capitalisation.")
        return Verdict(False, 0, "Not quite.")

    def example_answer(self, config):
        return self.validate_config(config)["answers"][0]
