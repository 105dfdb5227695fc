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

# Importing a module registers its judges; this order is the order staff see them in.
# isort: off
from . import exact, numeric, choice, free_text  # noqa: F401

# isort: on
from .base import (
    AnswerError,
    Judge,
    JudgeConfigError,
    UnknownJudge,
    Verdict,
    choices,
    get_judge,
    judge_answer,
    normalise_text,
    register,
)

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
