"""Numeric answers: decimals, fractions, mixed numbers and percentages, exactly or within a tolerance."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar

from .base import (
    AnswerError,
    Judge,
    JudgeConfigError,
    Verdict,
    _bool,
    _check_dict,
    _check_keys,
    _clean_text_answer,
    _float,
    _is_number,
    _text,
    normalise_text,
    register,
)

# --------------------------------------------------------------------------------------------
# numeric

_FORMS = {
    "decimal": "decimals (0.75)",
    "fraction": "fractions (3/4)",
    "mixed": "mixed numbers (1 1/2)",
    "percent": "percentages (75%)",
}
_SIGN = r"(?P<sign>[+-]?) ?"
_DECIMAL_RE = re.compile(
    _SIGN + r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d*))?(?:e(?P<exp>[+-]?\d+))?",
)
_FRACTION_RE = re.compile(_SIGN + r"(?P<num>\d+) ?/ ?(?P<den>\d+)")
_MIXED_RE = re.compile(_SIGN + r"(?P<whole>\d+) (?P<num>\d+) ?/ ?(?P<den>\d+)")
_MAX_EXPONENT = 100


def _parse_decimal(text: str) -> Fraction | None:
    match = _DECIMAL_RE.fullmatch(text)
    if not match or not (match["int"] or match["frac"]):
        return None
    exponent = int(match["exp"]) if match["exp"] else 0
    if abs(exponent) > _MAX_EXPONENT:
        raise AnswerError("That number is too large or too small to check.", "malformed")
    digits = (match["int"] or "0").replace(",", "") + "." + (match["frac"] or "0")
    value = Fraction(Decimal(digits)) * Fraction(10) ** exponent
    return -value if match["sign"] == "-" else value


def _parse_number(text: str) -> tuple[Fraction, str]:
    """Parse normalised, case-folded learner text into (exact value, form). Raises AnswerError."""
    percent = text.endswith("%")
    body = text[:-1].rstrip() if percent else text
    value = _parse_decimal(body)
    if value is not None:
        return (value / 100, "percent") if percent else (value, "decimal")
    if not percent:
        for form, pattern in (("fraction", _FRACTION_RE), ("mixed", _MIXED_RE)):
            match = pattern.fullmatch(body)
            if match:
                numerator, denominator = int(match["num"]), int(match["den"])
                if denominator == 0:
                    raise AnswerError("A fraction can't have 0 as its denominator.", "malformed")
                value = Fraction(numerator, denominator)
                if form == "mixed":
                    if value >= 1:
                        raise AnswerError("In a mixed number like 1 1/2, the fraction part must be less than 1.")
                    value += int(match["whole"])
                return (-value if match["sign"] == "-" else value), form
    hint = ""
    if re.fullmatch(r"[+-]? ?\d+,\d{1,2}", body) or re.search(r",\d{1,2}(?!\d)", body):
        hint = " Use a dot for decimals (1.5); commas only separate thousands (1,000)."
    raise AnswerError(f"“{text}” isn't a number we can read.{hint}", "malformed")


def _exact_fraction(value) -> Fraction:
    """A config number (int, float or numeric string) as an exact Fraction; floats are read from
    their shortest repr, so 0.1 means 1/10."""
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    return _parse_number(normalise_text(value))[0]


def _format_decimal(value: Fraction) -> str | None:
    """The exact decimal string of a terminating fraction, or None."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    digits = str(abs(value.numerator) * 10**places // value.denominator).rjust(places + 1, "0")
    text = f"{digits[:-places]}.{digits[-places:]}" if places else digits
    return f"-{text}" if value < 0 else text


@register
class NumericJudge(Judge):
    kind = "numeric"
    label = "Numeric answer"
    input_type = "number"
    max_answer_length = 200

    KEYS: ClassVar[set[str]] = {
        "answer",
        "tolerance",
        "relative_tolerance",
        "allow_fraction",
        "allow_percent",
        "allow_mixed",
        "unit",
    }

    def validate_config(self, config):
        config = _check_dict(config, None)
        _check_keys(config, self.KEYS, required=("answer",))
        answer = config["answer"]
        if isinstance(answer, str):
            answer = answer.strip()
            try:
                _exact_fraction(answer)
            except AnswerError as error:
                raise JudgeConfigError(f"“answer” must be a number such as 0.75 or 3/4. {error}", "answer") from None
        elif not _is_number(answer) or not math.isfinite(answer):
            raise JudgeConfigError("“answer” must be a number or a string such as “3/4”.", "answer")
        unit = config.get("unit")
        if unit is not None:
            unit = _text(unit, "unit", max_length=20, what="“unit”")
            if re.match(r"[\d.,+\-/ ]", normalise_text(unit)):
                raise JudgeConfigError("“unit” must not start with a digit, sign or punctuation.", "unit")
        cleaned = {
            "answer": answer,
            "tolerance": _float(config, "tolerance", 0.0, minimum=0),
            "relative_tolerance": _float(config, "relative_tolerance", 0.0, minimum=0, maximum=1),
            "allow_fraction": _bool(config, "allow_fraction", True),
            "allow_percent": _bool(config, "allow_percent", True),
            "allow_mixed": _bool(config, "allow_mixed", True),
            "unit": unit,
        }
        if self._example(cleaned) is None:
            raise JudgeConfigError(
                "This answer can't be typed exactly as a decimal; allow fractions or set a tolerance.", "answer"
            )
        return cleaned

    def public_config(self, config):
        config = self.validate_config(config)
        return {"unit": config["unit"]} if config["unit"] else {}

    # -- answers

    def _accepted(self, config) -> str:
        forms = ["decimal"] + [form for form in ("fraction", "mixed", "percent") if config[f"allow_{form}"]]
        return "Accepted: " + ", ".join(_FORMS[form] for form in forms) + "."

    def _read(self, config, text: str) -> tuple[Fraction, str]:
        """(value, form) of a cleaned answer string; raises AnswerError."""
        text = normalise_text(text)
        unit = config["unit"]
        if unit:
            unit = normalise_text(unit)
            if text.endswith(unit) and text[: -len(unit)].strip():
                text = text[: -len(unit)].rstrip()
        try:
            value, form = _parse_number(text)
        except AnswerError as error:
            unit_hint = f" Give just the number (in {config['unit']})." if unit else ""
            raise AnswerError(f"{error}{unit_hint} {self._accepted(config)}", "malformed") from None
        if form != "decimal" and not config[f"allow_{form}"]:
            noun = {"fraction": "Fractions", "mixed": "Mixed numbers", "percent": "Percentages"}[form]
            raise AnswerError(f"{noun} aren't accepted for this problem. {self._accepted(config)}", "malformed")
        return value, form

    def _clean(self, config, answer):
        if _is_number(answer):
            if not math.isfinite(answer):
                raise AnswerError("That isn't a number we can read.", "malformed")
            answer = str(answer) if isinstance(answer, int) else repr(answer)
        elif answer is not None and not isinstance(answer, str):
            raise AnswerError("Your answer must be a number.", "wrong_type")
        text = normalise_text(_clean_text_answer(answer, self.max_answer_length), casefold=False)
        self._read(config, text)
        return text

    def _within(self, config, value: Fraction, target: Fraction) -> bool:
        allowed = max(Fraction(repr(config["tolerance"])), Fraction(repr(config["relative_tolerance"])) * abs(target))
        return abs(value - target) <= allowed

    def _grade(self, config, answer):
        value, form = self._read(config, answer)
        target = _exact_fraction(config["answer"])
        if self._within(config, value, target):
            return Verdict(True, 100, "Correct!")
        if target != 0 and self._within(config, -value, target):
            return Verdict(False, 0, "Not quite. Check the sign.")
        if target != 0 and form != "percent" and self._within(config, value / 100, target):
            extra = " (or add a % sign)" if config["allow_percent"] else ""
            return Verdict(False, 0, f"Not quite. That looks like a percentage — give it as a decimal{extra}.")
        return Verdict(False, 0, "Not quite.")

    def _example(self, config) -> str | None:
        target = _exact_fraction(config["answer"])
        exact = _format_decimal(target)
        if exact is not None:
            return exact
        if config["allow_fraction"]:
            return f"{target.numerator}/{target.denominator}"
        whole, part = divmod(abs(target), 1)
        if config["allow_mixed"] and whole >= 1:
            return f"{'-' if target < 0 else ''}{whole} {part.numerator}/{part.denominator}"
        for places in range(1, 60):
            candidate = _format_decimal(round(target, places))
            if self._within(config, _parse_decimal(candidate), target):
                return candidate
        return None

    def example_answer(self, config):
        return self._example(self.validate_config(config))
