"""The judge registry and what every judge shares: example configurations, common answer
errors and invalid configurations. Pure functions, no database."""

import json

import pytest

from learning import judges
from learning.judges import AnswerError, JudgeConfigError, UnknownJudge, Verdict
from learning.judges.base import _REGISTRY
from learning.judges.exact import ExactJudge
from tests.learning.judge_cases import CONFIGS, answer_error, grade

# ---------------------------------------------------------------------------------------------
# Registry


def test_choices_lists_every_judge_in_registration_order():
    assert judges.choices() == [
        ("exact", "Exact answer"),
        ("numeric", "Numeric answer"),
        ("single_choice", "Single choice"),
        ("multiple_choice", "Multiple choice"),
        ("free_text", "Free text"),
    ]


@pytest.mark.parametrize(
    ("kind", "input_type", "max_length"),
    [
        ("exact", "text", 200),
        ("numeric", "number", 200),
        ("single_choice", "single_choice", 20),
        ("multiple_choice", "multiple_choice", 200),
        ("free_text", "textarea", 2000),
    ],
)
def test_get_judge_returns_a_described_instance(kind, input_type, max_length):
    judge = judges.get_judge(kind)
    assert isinstance(judge, judges.Judge)
    assert judge.kind == kind
    assert judge.input_type == input_type
    assert judge.max_answer_length == max_length
    assert judge.version == "1.0"
    assert judge.label


@pytest.mark.parametrize("kind", ["nope", "", "Numeric", None, ["numeric"]])
def test_unknown_kind_raises_unknown_judge_a_key_error(kind):
    with pytest.raises(UnknownJudge) as caught:
        judges.get_judge(kind)
    assert isinstance(caught.value, KeyError)
    assert "Unknown judge" in str(caught.value)


def test_judge_answer_for_unknown_kind():
    with pytest.raises(UnknownJudge):
        judges.judge_answer("nope", {}, "x")


def test_register_rejects_a_second_judge_with_the_same_kind():
    class Impostor(ExactJudge):
        kind = "exact"

    with pytest.raises(ValueError, match="already registered"):
        judges.register(Impostor)
    assert type(judges.get_judge("exact")) is ExactJudge


def test_register_rejects_non_judges_and_bad_kinds():
    with pytest.raises(TypeError):
        judges.register(object)

    class BadKind(ExactJudge):
        kind = "Bad Kind"

    with pytest.raises(ValueError):
        judges.register(BadKind)


def test_register_adds_a_new_judge_and_returns_the_class():
    class Always(ExactJudge):
        kind = "always_test_only"
        label = "Always"

    try:
        assert judges.register(Always) is Always
        assert judges.get_judge("always_test_only").label == "Always"
        assert ("always_test_only", "Always") in judges.choices()
    finally:
        _REGISTRY.pop("always_test_only", None)


def test_judge_is_abstract():
    with pytest.raises(TypeError):
        judges.Judge()


@pytest.mark.parametrize("score", [-1, 101, 50.0, True])
def test_verdict_score_must_be_an_int_0_to_100(score):
    with pytest.raises(ValueError):
        Verdict(False, score, "")


def test_answer_error_codes_are_a_closed_set():
    assert AnswerError("x", "empty").code == "empty"
    with pytest.raises(ValueError):
        AnswerError("x", "weird")


# ---------------------------------------------------------------------------------------------
# Example configurations: each valid, each with an example answer graded correct

EXTRA_CONFIGS = [
    ("exact", {"answers": ["DNA"], "case_sensitive": True}),
    ("numeric", {"answer": 0.3}),
    ("numeric", {"answer": -12, "unit": "cm"}),
    ("numeric", {"answer": "1/3", "allow_fraction": False, "tolerance": 0.001}),
    ("numeric", {"answer": "4/3", "allow_fraction": False}),
    ("numeric", {"answer": "1/3", "allow_fraction": False, "allow_mixed": False, "relative_tolerance": 0.01}),
    ("numeric", {"answer": "2/7"}),
    ("numeric", {"answer": "75%", "allow_percent": False}),
    ("multiple_choice", {**CONFIGS["multiple_choice"], "partial_credit": False, "shuffle": True}),
    ("free_text", {"references": ["Any five words will do here."], "min_words": 0}),
]


@pytest.mark.parametrize(("kind", "config"), [*CONFIGS.items(), *EXTRA_CONFIGS])
def test_example_answer_is_graded_correct(kind, config):
    judge = judges.get_judge(kind)
    example = judge.example_answer(config)
    verdict = grade(kind, config, example)
    assert verdict == Verdict(True, verdict.score, verdict.feedback)
    assert verdict.correct and verdict.score >= 60


@pytest.mark.parametrize(("kind", "config"), [*CONFIGS.items(), *EXTRA_CONFIGS])
def test_validate_config_is_idempotent_and_json_serialisable(kind, config):
    judge = judges.get_judge(kind)
    cleaned = judge.validate_config(config)
    assert judge.validate_config(cleaned) == cleaned
    assert json.loads(json.dumps(cleaned)) == cleaned
    assert json.loads(json.dumps(judge.public_config(config))) == judge.public_config(config)


@pytest.mark.parametrize(("kind", "config"), [*CONFIGS.items(), *EXTRA_CONFIGS])
def test_clean_answer_is_idempotent_and_json_serialisable(kind, config):
    judge = judges.get_judge(kind)
    cleaned = judge.clean_answer(config, judge.example_answer(config))
    assert judge.clean_answer(config, cleaned) == cleaned
    assert json.loads(json.dumps(cleaned)) == cleaned


@pytest.mark.parametrize("kind", list(CONFIGS))
def test_grade_accepts_a_raw_config_and_a_raw_answer(kind):
    judge = judges.get_judge(kind)
    config = CONFIGS[kind]
    assert judge.grade(config, judge.example_answer(config)).correct


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("exact", {}),
        ("numeric", {}),
        ("single_choice", {"choices": CONFIGS["single_choice"]["choices"], "shuffle": False}),
        ("multiple_choice", {"choices": CONFIGS["multiple_choice"]["choices"], "shuffle": False}),
        ("free_text", {"min_words": 5}),
    ],
)
def test_public_config_hides_the_answer(kind, expected):
    public = judges.get_judge(kind).public_config(CONFIGS[kind])
    assert public == expected
    text = json.dumps(public)
    assert "correct" not in text and "answer" not in text and "references" not in text and "key_ideas" not in text


def test_public_config_of_numeric_shows_the_unit():
    assert judges.get_judge("numeric").public_config({"answer": 3, "unit": "kg"}) == {"unit": "kg"}


# ---------------------------------------------------------------------------------------------
# Common answer errors

LONG = {"exact": 200, "numeric": 200, "single_choice": 20, "multiple_choice": 200, "free_text": 2000}


@pytest.mark.parametrize("kind", list(CONFIGS))
@pytest.mark.parametrize("answer", ["", "   ", "\n\t ", None, "\u200b"])
def test_empty_answers(kind, answer):
    assert answer_error(kind, CONFIGS[kind], answer).code == "empty"


@pytest.mark.parametrize("kind", list(CONFIGS))
def test_too_long_answers(kind):
    error = answer_error(kind, CONFIGS[kind], "1" * (LONG[kind] + 1))
    assert error.code == "too_long"
    assert str(LONG[kind]) in str(error)


@pytest.mark.parametrize("kind", ["exact", "free_text"])
def test_answers_at_the_length_limit_are_graded(kind):
    assert not grade(kind, CONFIGS[kind], "x" * LONG[kind]).correct


def test_surrounding_whitespace_does_not_count_towards_the_length():
    assert not grade("exact", CONFIGS["exact"], "  " + "x" * 200 + "  ").correct


@pytest.mark.parametrize("kind", list(CONFIGS))
@pytest.mark.parametrize("answer", [{"a": 1}, {}, object(), b"abc"])
def test_wrong_types_everywhere(kind, answer):
    assert answer_error(kind, CONFIGS[kind], answer).code == "wrong_type"


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        ("exact", 42),
        ("exact", ["Paris"]),
        ("numeric", ["0.75"]),
        ("numeric", True),
        ("single_choice", ["b"]),
        ("single_choice", 1),
        ("multiple_choice", 3),
        ("multiple_choice", ["a", 1]),
        ("free_text", ["text"]),
        ("free_text", 12345),
    ],
)
def test_wrong_types_per_judge(kind, answer):
    assert answer_error(kind, CONFIGS[kind], answer).code == "wrong_type"


# ---------------------------------------------------------------------------------------------
# Invalid configurations: each raises JudgeConfigError naming the field

MC = CONFIGS["multiple_choice"]
SC = CONFIGS["single_choice"]
FREE = CONFIGS["free_text"]
TWO = [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}]
ELEVEN = [{"key": f"k{i}", "text": f"T{i}"} for i in range(11)]
IRRELEVANT = "This one says nothing relevant at all."


def without(config, key):
    return {k: v for k, v in config.items() if k != key}


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        # Any judge: not an object
        ("exact", None, None),
        ("numeric", [], None),
        ("free_text", "references", None),
        # exact
        ("exact", {}, "answers"),
        ("exact", {"answers": []}, "answers"),
        ("exact", {"answers": "Paris"}, "answers"),
        ("exact", {"answers": ["Paris", ""]}, "answers[1]"),
        ("exact", {"answers": ["  "]}, "answers[0]"),
        ("exact", {"answers": [42]}, "answers[0]"),
        ("exact", {"answers": ["x" * 201]}, "answers[0]"),
        ("exact", {"answers": ["Paris"], "case_sensitive": "yes"}, "case_sensitive"),
        ("exact", {"answers": ["Paris"], "answer": "Paris"}, "answer"),
        # numeric
        ("numeric", {}, "answer"),
        ("numeric", {"answer": None}, "answer"),
        ("numeric", {"answer": "abc"}, "answer"),
        ("numeric", {"answer": "1/0"}, "answer"),
        ("numeric", {"answer": True}, "answer"),
        ("numeric", {"answer": float("nan")}, "answer"),
        ("numeric", {"answer": float("inf")}, "answer"),
        ("numeric", {"answer": [1]}, "answer"),
        ("numeric", {"answer": "1/3", "allow_fraction": False}, "answer"),  # no typeable correct answer
        ("numeric", {"answer": "1/3", "allow_fraction": False, "allow_mixed": True}, "answer"),
        ("numeric", {"answer": 1, "tolerance": -0.1}, "tolerance"),
        ("numeric", {"answer": 1, "tolerance": "0.1"}, "tolerance"),
        ("numeric", {"answer": 1, "tolerance": float("inf")}, "tolerance"),
        ("numeric", {"answer": 1, "tolerance": False}, "tolerance"),
        ("numeric", {"answer": 1, "relative_tolerance": -1}, "relative_tolerance"),
        ("numeric", {"answer": 1, "relative_tolerance": 2}, "relative_tolerance"),
        ("numeric", {"answer": 1, "allow_fraction": "no"}, "allow_fraction"),
        ("numeric", {"answer": 1, "allow_percent": 0}, "allow_percent"),
        ("numeric", {"answer": 1, "allow_mixed": None}, "allow_mixed"),
        ("numeric", {"answer": 1, "unit": ""}, "unit"),
        ("numeric", {"answer": 1, "unit": 5}, "unit"),
        ("numeric", {"answer": 1, "unit": "2m"}, "unit"),
        ("numeric", {"answer": 1, "unit": "x" * 21}, "unit"),
        ("numeric", {"answer": 1, "tolerence": 0.1}, "tolerence"),
        # single_choice
        ("single_choice", without(SC, "choices"), "choices"),
        ("single_choice", without(SC, "correct"), "correct"),
        ("single_choice", {**SC, "correct": "z"}, "correct"),
        ("single_choice", {**SC, "correct": ["b"]}, "correct"),
        ("single_choice", {"choices": TWO[:1], "correct": "a"}, "choices"),
        (
            "single_choice",
            {"choices": ELEVEN, "correct": "k0"},
            "choices",
        ),
        ("single_choice", {"choices": "a,b", "correct": "a"}, "choices"),
        ("single_choice", {"choices": [TWO[0], {"key": "a", "text": "Other"}], "correct": "a"}, "choices[1].key"),
        ("single_choice", {"choices": [TWO[0], {"key": "b", "text": "a"}], "correct": "a"}, "choices[1].text"),
        ("single_choice", {"choices": [TWO[0], {"key": "a,b", "text": "X"}], "correct": "a"}, "choices[1].key"),
        ("single_choice", {"choices": [TWO[0], {"key": "", "text": "X"}], "correct": "a"}, "choices[1].key"),
        ("single_choice", {"choices": [TWO[0], {"key": 2, "text": "X"}], "correct": "a"}, "choices[1].key"),
        ("single_choice", {"choices": [TWO[0], {"key": "b", "text": " "}], "correct": "a"}, "choices[1].text"),
        ("single_choice", {"choices": [TWO[0], {"key": "b"}], "correct": "a"}, "choices[1].text"),
        ("single_choice", {"choices": [TWO[0], "b"], "correct": "a"}, "choices[1]"),
        (
            "single_choice",
            {"choices": [TWO[0], {**TWO[1], "is_correct": True}], "correct": "a"},
            "choices[1].is_correct",
        ),
        ("single_choice", {**SC, "shuffle": "true"}, "shuffle"),
        ("single_choice", {**SC, "partial_credit": True}, "partial_credit"),
        # multiple_choice
        ("multiple_choice", without(MC, "correct"), "correct"),
        ("multiple_choice", {**MC, "correct": []}, "correct"),
        ("multiple_choice", {**MC, "correct": "a"}, "correct"),
        ("multiple_choice", {**MC, "correct": ["a", "z"]}, "correct[1]"),
        ("multiple_choice", {**MC, "correct": ["a", "a"]}, "correct"),
        ("multiple_choice", {**MC, "partial_credit": "yes"}, "partial_credit"),
        ("multiple_choice", {**MC, "choices": [TWO[0], TWO[0]], "correct": ["a"]}, "choices[1].key"),
        ("multiple_choice", {**MC, "extra": 1, "another": 2}, "another"),
        # free_text
        ("free_text", {}, "references"),
        ("free_text", {"references": []}, "references"),
        ("free_text", {"references": [""]}, "references[0]"),
        ("free_text", {"references": "A reference of enough words here."}, "references"),
        ("free_text", {"references": ["Too short."]}, "references[0]"),  # fewer words than min_words
        (
            "free_text",
            {**FREE, "references": [*FREE["references"], IRRELEVANT]},
            "references[1]",
        ),
        ("free_text", {**FREE, "pass_threshold": 150}, "pass_threshold"),
        ("free_text", {**FREE, "pass_threshold": -1}, "pass_threshold"),
        ("free_text", {**FREE, "pass_threshold": 60.5}, "pass_threshold"),
        ("free_text", {**FREE, "pass_threshold": "60"}, "pass_threshold"),
        ("free_text", {**FREE, "similarity_weight": 1.5}, "similarity_weight"),
        ("free_text", {**FREE, "similarity_weight": -0.1}, "similarity_weight"),
        ("free_text", {**FREE, "min_words": -1}, "min_words"),
        ("free_text", {**FREE, "min_words": True}, "min_words"),
        ("free_text", {**FREE, "key_ideas": {"name": "x"}}, "key_ideas"),
        ("free_text", {**FREE, "key_ideas": ["unseen"]}, "key_ideas[0]"),
        ("free_text", {**FREE, "key_ideas": [{"any_of": ["unseen"]}]}, "key_ideas[0].name"),
        ("free_text", {**FREE, "key_ideas": [{"name": "x"}]}, "key_ideas[0].any_of"),
        ("free_text", {**FREE, "key_ideas": [{"name": "x", "any_of": []}]}, "key_ideas[0].any_of"),
        ("free_text", {**FREE, "key_ideas": [{"name": "x", "any_of": "unseen"}]}, "key_ideas[0].any_of"),
        ("free_text", {**FREE, "key_ideas": [{"name": "x", "any_of": ["unseen", 3]}]}, "key_ideas[0].any_of[1]"),
        ("free_text", {**FREE, "key_ideas": [{"name": "x", "any_of": ["..."]}]}, "key_ideas[0].any_of[0]"),
        ("free_text", {**FREE, "key_ideas": [{"name": " ", "any_of": ["unseen"]}]}, "key_ideas[0].name"),
        ("free_text", {**FREE, "key_ideas": [{"name": "x", "any_of": ["unseen"], "weight": 2}]}, "key_ideas[0].weight"),
        ("free_text", {**FREE, "threshold": 60}, "threshold"),
    ],
)
def test_invalid_configs_name_the_field(kind, config, field):
    with pytest.raises(JudgeConfigError) as caught:
        judges.get_judge(kind).validate_config(config)
    assert caught.value.field == field
    assert str(caught.value)


def test_unknown_keys_are_all_listed():
    with pytest.raises(JudgeConfigError) as caught:
        judges.get_judge("exact").validate_config({"answers": ["x"], "zeta": 1, "alpha": 2})
    assert caught.value.field == "alpha"
    assert "“alpha”" in str(caught.value) and "“zeta”" in str(caught.value)
    assert "allowed keys: answers, case_sensitive" in str(caught.value)


def test_reference_missing_a_key_idea_names_the_idea():
    config = {**FREE, "references": ["We simply tune the learning rate until the loss goes down nicely."]}
    with pytest.raises(JudgeConfigError) as caught:
        judges.get_judge("free_text").validate_config(config)
    assert "why the test set must stay unseen" in str(caught.value)


@pytest.mark.parametrize("kind", list(CONFIGS))
def test_grading_with_a_broken_config_raises_judge_config_error(kind):
    with pytest.raises(JudgeConfigError):
        grade(kind, {"bogus": 1}, "a")


@pytest.mark.parametrize(
    ("kind", "config", "defaults"),
    [
        ("exact", {"answers": ["x"]}, {"case_sensitive": False}),
        (
            "numeric",
            {"answer": 1},
            {
                "tolerance": 0.0,
                "relative_tolerance": 0.0,
                "allow_fraction": True,
                "allow_percent": True,
                "allow_mixed": True,
                "unit": None,
            },
        ),
        ("single_choice", SC, {"shuffle": False}),
        ("multiple_choice", MC, {"partial_credit": True, "shuffle": False}),
        ("free_text", FREE, {"pass_threshold": 60, "similarity_weight": 0.5, "min_words": 5}),
    ],
)
def test_validate_config_fills_in_defaults(kind, config, defaults):
    cleaned = judges.get_judge(kind).validate_config(config)
    assert {key: cleaned[key] for key in defaults} == defaults


@pytest.mark.parametrize("kind", sorted(CONFIGS))
@pytest.mark.parametrize("which", ["example", "wrong", "messy"])
def test_clean_and_grade_agrees_with_clean_answer_then_grade(kind, which):
    judge, config = judges.get_judge(kind), CONFIGS[kind]
    example = judge.example_answer(judge.validate_config(config))
    raw = {
        "example": example,
        "wrong": {"multiple_choice": ["a"], "single_choice": "a"}.get(kind, "42"),
        "messy": f"  {example}  " if isinstance(example, str) else example,
    }[which]
    cleaned = judge.clean_answer(config, raw)
    assert judge.clean_and_grade(config, raw) == (cleaned, judge.grade(config, cleaned))
