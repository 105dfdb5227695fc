"""The judge registry: how an answer to a problem is checked.

Pure functions only — no database, no Django. A problem stores a judge *kind* (the registry key)
and a JSON *config*; a judge validates that config, cleans a learner's raw answer and grades it.

    judge = get_judge("numeric")
    config = judge.validate_config({"answer": "3/4"})   # JudgeConfigError naming the field
    cleaned = judge.clean_answer(config, "0.75")          # AnswerError with .code
    verdict = judge.grade(config, cleaned)                # Verdict(correct=True, score=100, ...)

Guarantees every judge keeps:

* ``validate_config`` returns a JSON-serialisable config with every default filled in, and is
  idempotent: validating a cleaned config returns it unchanged. Unknown keys are an error.
* ``clean_answer`` returns a JSON-serialisable value (it is stored on the submission and compared
  for idempotent retries) and is idempotent: cleaning a cleaned answer returns it unchanged.
* ``grade`` and ``clean_answer`` accept a raw (unvalidated) config too; they validate it first.
  ``grade`` also re-cleans its answer, so it is safe to call with a raw answer.
* ``Verdict.feedback`` never quotes the reference answer, the correct keys or key-idea phrases.
* ``example_answer`` is always graded correct; configs for which no such answer exists (e.g. 1/3
  with fractions disallowed and no tolerance) are rejected by ``validate_config``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

__all__ = [
    "AnswerError",
    "Judge",
    "JudgeConfigError",
    "UnknownJudge",
    "Verdict",
    "choices",
    "get_judge",
    "judge_answer",
    "normalise_text",
    "register",
]


# --------------------------------------------------------------------------------------------
# Results and errors


@dataclass(frozen=True)
class Verdict:
    correct: bool
    score: int  # 0–100
    feedback: str  # shown to the learner

    def __post_init__(self):
        if isinstance(self.score, bool) or not isinstance(self.score, int) or not 0 <= self.score <= 100:
            raise ValueError(f"Verdict.score must be an int in 0–100, not {self.score!r}.")


class JudgeConfigError(Exception):
    """An invalid judge configuration. ``str(error)`` is the message; ``field`` names the offending
    key as a path (``"tolerance"``, ``"choices[2].key"``), or is None for the config as a whole."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class AnswerError(Exception):
    """A learner's answer that cannot be graded. ``str(error)`` is a message fit for the learner."""

    CODES = frozenset({"empty", "too_long", "wrong_type", "malformed"})

    def __init__(self, message: str, code: str = "malformed"):
        if code not in self.CODES:
            raise ValueError(f"Unknown AnswerError code {code!r}.")
        super().__init__(message)
        self.message = message
        self.code = code


class UnknownJudge(KeyError):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind

    def __str__(self):  # KeyError's own str() is the repr of its argument
        return f"Unknown judge “{self.kind}”."


# --------------------------------------------------------------------------------------------
# Text normalisation

_PUNCTUATION = str.maketrans(
    {
        # Typographic single quotes, primes and the like → '
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u0060": "'",
        # Typographic double quotes → "
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        # Hyphens, dashes and the minus sign → -
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\ufe63": "-",
        # Fraction and division slashes → /
        "\u2044": "/",
        "\u2215": "/",
        # Invisible characters are dropped
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)


def normalise_text(text: str, *, casefold: bool = True) -> str:
    """NFKC, typographic quotes/dashes/minus made ASCII, invisible characters dropped, whitespace
    trimmed and collapsed to single spaces, and case folded unless ``casefold`` is False."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION)
    text = " ".join(text.split())
    return text.casefold() if casefold else text


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", normalise_text(text))


# --------------------------------------------------------------------------------------------
# Config validation helpers (each raises JudgeConfigError naming the field)


def _path(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _check_dict(value, field: str | None, what: str = "The configuration") -> dict:
    if not isinstance(value, dict):
        raise JudgeConfigError(f"{what} must be an object (a table of keys), not {type(value).__name__}.", field)
    return value


def _check_keys(config: dict, allowed, required=(), prefix: str = "") -> None:
    unknown = sorted(str(key) for key in config if key not in allowed)
    if unknown:
        listed = ", ".join(f"“{key}”" for key in unknown)
        raise JudgeConfigError(
            f"Unknown key{'s' if len(unknown) > 1 else ''} {listed}; allowed keys: {', '.join(sorted(allowed))}.",
            _path(prefix, unknown[0]),
        )
    for key in required:
        if key not in config:
            raise JudgeConfigError(f"“{key}” is required.", _path(prefix, key))


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bool(config: dict, key: str, default: bool) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise JudgeConfigError(f"“{key}” must be true or false.", key)
    return value


def _int(config: dict, key: str, default: int, *, minimum: int, maximum: int) -> int:
    value = config.get(key, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise JudgeConfigError(f"“{key}” must be a whole number.", key)
    if not minimum <= value <= maximum:
        raise JudgeConfigError(f"“{key}” must be between {minimum} and {maximum}, not {value}.", key)
    return value


def _float(config: dict, key: str, default: float, *, minimum: float, maximum: float | None = None) -> float:
    value = config.get(key, default)
    if not _is_number(value) or not math.isfinite(value):
        raise JudgeConfigError(f"“{key}” must be a number.", key)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise JudgeConfigError(f"“{key}” must be {bounds}, not {value}.", key)
    return float(value)


def _text(value, field: str, *, max_length: int, what: str) -> str:
    if not isinstance(value, str):
        raise JudgeConfigError(f"{what} must be text.", field)
    value = value.strip()
    if not normalise_text(value):
        raise JudgeConfigError(f"{what} must not be empty.", field)
    if len(value) > max_length:
        raise JudgeConfigError(f"{what} must be at most {max_length} characters.", field)
    return value


def _list(config: dict, key: str, *, minimum: int, maximum: int, what: str, prefix: str = "") -> list:
    value, field = config.get(key), _path(prefix, key)
    if not isinstance(value, list):
        raise JudgeConfigError(f"“{key}” must be a list of {what}.", field)
    if not minimum <= len(value) <= maximum:
        if minimum == 1 and not value:
            raise JudgeConfigError(f"“{key}” needs at least one entry.", field)
        raise JudgeConfigError(f"“{key}” must have {minimum}–{maximum} entries, not {len(value)}.", field)
    return value


# --------------------------------------------------------------------------------------------
# Answer cleaning helpers (each raises AnswerError with a learner-facing message)


def _clean_text_answer(answer, max_length: int) -> str:
    if answer is None:
        raise AnswerError("Please enter an answer.", "empty")
    if not isinstance(answer, str):
        raise AnswerError("Your answer must be text.", "wrong_type")
    answer = answer.strip()
    if not normalise_text(answer):
        raise AnswerError("Please enter an answer.", "empty")
    if len(answer) > max_length:
        raise AnswerError(f"Your answer is too long (at most {max_length} characters).", "too_long")
    return answer


# --------------------------------------------------------------------------------------------
# The base class and the registry


class Judge(ABC):
    """Abstract base. Subclasses set the class attributes and implement ``validate_config``,
    ``_clean`` (type/length/emptiness checks on a validated config), ``_grade`` (on a validated
    config and a cleaned answer) and ``example_answer``; the public ``clean_answer`` and ``grade``
    wrap them."""

    kind: ClassVar[str]
    label: ClassVar[str]
    version: ClassVar[str] = "1.0"
    input_type: ClassVar[str]
    max_answer_length: ClassVar[int] = 200

    @abstractmethod
    def validate_config(self, config: dict) -> dict:
        raise NotImplementedError

    def clean_answer(self, config: dict, answer) -> Any:
        return self._clean(self.validate_config(config), answer)

    def grade(self, config: dict, answer) -> Verdict:
        config = self.validate_config(config)
        return self._grade(config, self._clean(config, answer))

    def public_config(self, config: dict) -> dict:
        return {}

    @abstractmethod
    def example_answer(self, config: dict):
        raise NotImplementedError

    @abstractmethod
    def _clean(self, config: dict, answer):
        raise NotImplementedError

    @abstractmethod
    def _grade(self, config: dict, answer) -> Verdict:
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__} kind={self.kind!r} v{self.version}>"


_REGISTRY: dict[str, Judge] = {}


def register(judge_cls):
    """Class decorator: add a Judge subclass to the registry under its ``kind``."""
    if not (isinstance(judge_cls, type) and issubclass(judge_cls, Judge)):
        raise TypeError("register() expects a Judge subclass.")
    kind = getattr(judge_cls, "kind", None)
    if not isinstance(kind, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", kind):
        raise ValueError(f"{judge_cls.__name__}.kind must be 1–32 lowercase letters, digits or underscores.")
    if kind in _REGISTRY and type(_REGISTRY[kind]) is not judge_cls:
        raise ValueError(f"A judge with kind “{kind}” is already registered.")
    _REGISTRY[kind] = judge_cls()
    return judge_cls


def get_judge(kind: str) -> Judge:
    try:
        return _REGISTRY[kind]
    except (KeyError, TypeError):
        raise UnknownJudge(kind) from None


def choices() -> list[tuple[str, str]]:
    """(kind, label) pairs in registration order, for model field choices."""
    return [(kind, judge.label) for kind, judge in _REGISTRY.items()]


def judge_answer(kind: str, config: dict, raw_answer) -> tuple[Verdict, Judge]:
    """Clean and grade ``raw_answer``. Raises UnknownJudge, AnswerError or (for a broken stored
    config) JudgeConfigError."""
    judge = get_judge(kind)
    cleaned = judge.clean_answer(config, raw_answer)
    return judge.grade(config, cleaned), judge


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
