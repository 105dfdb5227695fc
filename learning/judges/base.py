"""What every judge shares: the verdict and error types, text normalisation, config checks,
the abstract Judge and the registry."""

from __future__ import annotations

import math
import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

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

    def clean_and_grade(self, config: dict, answer) -> tuple[Any, Verdict]:
        """``clean_answer`` and ``grade`` at once, validating the config once (the submit path)."""
        config = self.validate_config(config)
        cleaned = self._clean(config, answer)
        return cleaned, self._grade(config, cleaned)

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
