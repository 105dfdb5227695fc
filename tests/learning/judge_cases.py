"""Shared by the judge tests (test_judges_*.py): grading helpers and one valid example
configuration per judge kind. Pure functions, no database."""

import pytest

from learning import judges
from learning.judges import AnswerError


def grade(kind, config, answer):
    verdict, _ = judges.judge_answer(kind, config, answer)
    return verdict


def answer_error(kind, config, answer):
    with pytest.raises(AnswerError) as caught:
        judges.judge_answer(kind, config, answer)
    return caught.value


# One valid configuration per kind; each judge's example answer is graded correct.
CONFIGS = {
    "exact": {"answers": ["Paris", "City of Light"]},
    "numeric": {"answer": "3/4"},
    "single_choice": {
        "choices": [{"key": "a", "text": "Overfitting"}, {"key": "b", "text": "Underfitting"}],
        "correct": "b",
    },
    "multiple_choice": {
        "choices": [
            {"key": "a", "text": "Accuracy"},
            {"key": "b", "text": "Banana"},
            {"key": "c", "text": "Recall"},
            {"key": "d", "text": "Precision"},
        ],
        "correct": ["a", "c", "d"],
    },
    "free_text": {
        "references": [
            "We keep the test set separate and never train on it, so the score measures how well the model "
            "generalises to unseen data rather than memorised examples."
        ],
        "key_ideas": [
            {
                "name": "why the test set must stay unseen",
                "any_of": ["unseen", "never train on", "separate", "leak", "leakage", "not used for training"],
            },
            {
                "name": "what the score is meant to measure",
                "any_of": ["generalise", "generalize", "generalises", "new examples", "new data", "optimistic"],
            },
        ],
    },
}
