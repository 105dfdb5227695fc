"""The judge registry: pure functions, no database."""

import json

import pytest

from learning import judges
from learning.judges import AnswerError, JudgeConfigError, UnknownJudge, Verdict
from learning.judges.base import _REGISTRY
from learning.judges.exact import ExactJudge


def grade(kind, config, answer):
    verdict, _ = judges.judge_answer(kind, config, answer)
    return verdict


def answer_error(kind, config, answer):
    with pytest.raises(AnswerError) as caught:
        judges.judge_answer(kind, config, answer)
    return caught.value


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
# exact


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("Paris", True),
        ("paris", True),
        ("  PARIS  ", True),
        ("ＰＡＲＩＳ", True),  # full-width letters (NFKC)
        ("city   of\tlight", True),  # internal whitespace collapsed
        ("City\u00a0of Light", True),  # no-break space
        ("Pa\u200bris", True),  # zero-width space dropped
        ("Parıs", False),
        ("Paris.", False),
        ("London", False),
        ("Pari", False),
    ],
)
def test_exact_normalisation(answer, correct):
    verdict = grade("exact", CONFIGS["exact"], answer)
    assert verdict.correct is correct
    assert verdict.score == (100 if correct else 0)
    assert verdict.feedback == ("Correct!" if correct else "Not quite.")


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        ("don't", "don’t"),
        ("“quoted”", '"quoted"'),
        ("'single'", "‘single’"),
        ("well-known", "well–known"),
        ("well-known", "well—known"),
        ("x - y", "x − y"),
        ("ﬁne", "fine"),  # ligature (NFKC)
        ("café", "cafe\u0301"),  # decomposed accent (NFKC composes)
        ("Straße", "STRASSE"),  # casefold, not lower
    ],
)
def test_exact_typographic_and_unicode_equivalents(reference, answer):
    assert grade("exact", {"answers": [reference]}, answer).correct


def test_exact_case_sensitive():
    config = {"answers": ["DNA"], "case_sensitive": True}
    assert grade("exact", config, " DNA ").correct
    verdict = grade("exact", config, "dna")
    assert not verdict.correct
    assert verdict.feedback == "Not quite. Check your capitalisation."


def test_exact_cleaned_answer_is_the_stripped_text():
    assert judges.get_judge("exact").clean_answer(CONFIGS["exact"], "  Paris ") == "Paris"


# ---------------------------------------------------------------------------------------------
# numeric: every accepted form

THREE_QUARTERS = {"answer": "3/4"}


@pytest.mark.parametrize(
    "answer",
    [
        "0.75",
        ".75",
        "0.750",
        "+0.75",
        "3/4",
        "3 / 4",
        "6/8",
        "75%",
        "75 %",
        "75.0%",
        "7.5e-1",
        "7.5E-1",
        " 0.75 ",
        "０.７５",  # full-width digits
        0.75,
        "¾",  # vulgar fraction (NFKC → 3⁄4)
        "3⁄4",  # fraction slash
    ],
)
def test_numeric_accepted_forms_for_three_quarters(answer):
    assert grade("numeric", THREE_QUARTERS, answer) == Verdict(True, 100, "Correct!")


@pytest.mark.parametrize(
    ("config_answer", "answer"),
    [
        ("3/2", "1 1/2"),
        ("3/2", "1.5"),
        ("-3/2", "-1 1/2"),
        (-2.5, "-2.5"),
        (-2.5, "- 2.5"),
        (-2.5, "−2.5"),  # unicode minus
        (-2.5, "-5/2"),
        (-3, "−3"),
        (-3, "–3"),  # en dash used as a minus
        (1000, "1,000"),
        (1000, "1000"),
        (1000, "1e3"),
        (1000, "1,000.00"),
        (1234567.5, "1,234,567.5"),
        (0.5, ".5"),
        (5, "5."),
        (5, 5),
        (0, "0"),
        (0, "-0"),
        (0, "0/7"),
        (0.3, "0.3"),
        (0.3, 0.3),
        ("0.1", "1/10"),
        (1e-05, "0.00001"),
        (0.5, "50%"),
        (2, "200%"),
        ("12.5%", "0.125"),
        ("2/7", "2/7"),
        ("2/7", "4/14"),
        (10**20, "1e20"),
    ],
)
def test_numeric_equivalent_values(config_answer, answer):
    assert grade("numeric", {"answer": config_answer}, answer).correct


def test_numeric_decimal_arithmetic_is_exact():
    # 0.1 + 0.2 != 0.3 in binary floating point; numbers are compared as exact fractions here.
    assert grade("numeric", {"answer": 0.3}, "0.3").correct
    assert grade("numeric", {"answer": "0.3"}, 0.3).correct
    assert not grade("numeric", {"answer": 0.3}, "0.30000000000000004").correct
    assert not grade("numeric", {"answer": "1/3"}, "0.3333333333").correct


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        ("12 cm", True),
        ("12cm", True),
        ("12 CM", True),
        ("12", True),
        ("1 1/2 cm", False),
        ("13 cm", False),
    ],
)
def test_numeric_optional_trailing_unit(answer, correct):
    assert grade("numeric", {"answer": 12, "unit": "cm"}, answer).correct is correct


@pytest.mark.parametrize("answer", ["12 m", "12 kg", "cm", "12 cm cm", "cm 12"])
def test_numeric_other_unit_text_is_malformed(answer):
    error = answer_error("numeric", {"answer": 12, "unit": "cm"}, answer)
    assert error.code == "malformed"
    assert "(in cm)" in str(error)


def test_numeric_percent_unit_means_the_number_as_written():
    assert grade("numeric", {"answer": 75, "unit": "%"}, "75%").correct
    assert grade("numeric", {"answer": 75, "unit": "%"}, "75").correct


# ---------------------------------------------------------------------------------------------
# numeric: tolerances


@pytest.mark.parametrize(
    ("config", "answer", "correct"),
    [
        ({"answer": 3.14159, "tolerance": 0.01}, "3.13159", True),  # exactly on the lower edge
        ({"answer": 3.14159, "tolerance": 0.01}, "3.15159", True),  # exactly on the upper edge
        ({"answer": 3.14159, "tolerance": 0.01}, "3.1315", False),  # just outside
        ({"answer": 3.14159, "tolerance": 0.01}, "3.1516", False),
        ({"answer": 3.14159, "tolerance": 0.01}, "22/7", True),
        ({"answer": 10, "tolerance": 0}, "10.000000001", False),
        ({"answer": 0.75, "tolerance": 0.1}, "0.65", True),
        ({"answer": 0.75, "tolerance": 0.1}, "0.64", False),
        ({"answer": 200, "relative_tolerance": 0.05}, "210", True),  # 5% of 200 = 10, inclusive
        ({"answer": 200, "relative_tolerance": 0.05}, "190", True),
        ({"answer": 200, "relative_tolerance": 0.05}, "210.01", False),
        ({"answer": -200, "relative_tolerance": 0.05}, "-190", True),  # relative to |answer|
        ({"answer": 0, "relative_tolerance": 0.5}, "0.0001", False),  # nothing is relatively close to 0
        ({"answer": 0, "relative_tolerance": 0.5, "tolerance": 0.001}, "0.001", True),
        ({"answer": 100, "tolerance": 1, "relative_tolerance": 0.05}, "104", True),  # the larger allowance wins
        ({"answer": 100, "tolerance": 6, "relative_tolerance": 0.01}, "106", True),
        ({"answer": 100, "tolerance": 6, "relative_tolerance": 0.01}, "106.5", False),
    ],
)
def test_numeric_tolerance_edges(config, answer, correct):
    assert grade("numeric", config, answer).correct is correct


# ---------------------------------------------------------------------------------------------
# numeric: disallowed forms and malformed input


@pytest.mark.parametrize(
    ("config", "answer", "mentions"),
    [
        ({"answer": "3/4", "allow_fraction": False}, "3/4", "Fractions aren't accepted"),
        ({"answer": "3/2", "allow_mixed": False}, "1 1/2", "Mixed numbers aren't accepted"),
        ({"answer": "3/4", "allow_percent": False}, "75%", "Percentages aren't accepted"),
    ],
)
def test_numeric_disallowed_forms_say_which_forms_are_accepted(config, answer, mentions):
    error = answer_error("numeric", config, answer)
    assert error.code == "malformed"
    assert mentions in str(error)
    assert "Accepted: decimals (0.75)" in str(error)


def test_numeric_accepted_forms_message_lists_only_allowed_forms():
    config = {"answer": 0.5, "allow_fraction": False, "allow_mixed": False, "allow_percent": False}
    message = str(answer_error("numeric", config, "1/2"))
    assert "decimals" in message
    assert "fractions (" not in message and "mixed" not in message and "percentages" not in message
    assert grade("numeric", config, "0.5").correct


@pytest.mark.parametrize(
    "answer",
    [
        "abc",
        "1/0",
        "0/0",
        "3//4",
        "3/4/5",
        "1.2.3",
        "--3",
        "+-3",
        "3-",
        ".",
        "e5",
        "1e",
        "1e999",
        "1e-999",
        "nan",
        "inf",
        "Infinity",
        "1,5",
        "1,00",
        "10,00,000",
        "1 000",
        "1.5/2",
        "3/-4",
        "1 3/2",  # a mixed number's fraction must be proper
        "3/4%",
        "%",
        "75%%",
        "0x10",
        "1_000",
        "½½",
        "12 cm",  # no unit configured
        float("nan"),
        float("inf"),
    ],
)
def test_numeric_malformed_input(answer):
    error = answer_error("numeric", THREE_QUARTERS, answer)
    assert error.code == "malformed"
    assert str(error)


def test_numeric_decimal_comma_gets_a_hint():
    assert "Use a dot for decimals" in str(answer_error("numeric", THREE_QUARTERS, "0,75"))


def test_numeric_division_by_zero_message():
    assert "denominator" in str(answer_error("numeric", THREE_QUARTERS, "1/0"))


# ---------------------------------------------------------------------------------------------
# numeric: feedback and cleaning

PERCENT_HINT = "Not quite. That looks like a percentage — give it as a decimal"


@pytest.mark.parametrize(
    ("config", "answer", "feedback"),
    [
        ({"answer": 2.5}, "-2.5", "Not quite. Check the sign."),
        ({"answer": -3}, "3", "Not quite. Check the sign."),
        ({"answer": 0.75}, "75", "Not quite. That looks like a percentage — give it as a decimal (or add a % sign)."),
        (
            {"answer": 0.75, "allow_percent": False},
            "75",
            "Not quite. That looks like a percentage — give it as a decimal.",
        ),
        ({"answer": 0.75}, "0.7", "Not quite."),
        ({"answer": 0}, "-1", "Not quite."),
        ({"answer": 0.5}, "50", f"{PERCENT_HINT} (or add a % sign)."),
    ],
)
def test_numeric_wrong_answer_feedback(config, answer, feedback):
    verdict = grade("numeric", config, answer)
    assert verdict == Verdict(False, 0, feedback)


@pytest.mark.parametrize(
    ("answer", "cleaned"),
    [
        (" 0.75 ", "0.75"),
        ("−3", "-3"),
        ("1  1/2", "1 1/2"),
        ("¾", "3/4"),
        (0.75, "0.75"),
        (3, "3"),
        ("75 %", "75 %"),
    ],
)
def test_numeric_cleaned_answer_is_normalised_text(answer, cleaned):
    assert judges.get_judge("numeric").clean_answer({"answer": 1, "tolerance": 100}, answer) == cleaned


@pytest.mark.parametrize(
    ("config", "example"),
    [
        ({"answer": "3/4"}, "0.75"),
        ({"answer": "2/7"}, "2/7"),
        ({"answer": "-4/3", "allow_fraction": False}, "-1 1/3"),
        ({"answer": "1/3", "allow_fraction": False, "tolerance": 0.001}, "0.333"),
        ({"answer": 12, "unit": "cm"}, "12"),
        ({"answer": "75%"}, "0.75"),
    ],
)
def test_numeric_example_answer(config, example):
    assert judges.get_judge("numeric").example_answer(config) == example


# ---------------------------------------------------------------------------------------------
# single_choice


def test_single_choice_grading():
    config = CONFIGS["single_choice"]
    assert grade("single_choice", config, "b") == Verdict(True, 100, "Correct!")
    assert grade("single_choice", config, " b ") == Verdict(True, 100, "Correct!")
    assert grade("single_choice", config, "a") == Verdict(False, 0, "Not quite.")


@pytest.mark.parametrize("answer", ["c", "B", "Underfitting", "a,b"])
def test_single_choice_unknown_key_is_malformed(answer):
    assert answer_error("single_choice", CONFIGS["single_choice"], answer).code == "malformed"


def test_single_choice_public_config_has_no_correct_key():
    public = judges.get_judge("single_choice").public_config({**CONFIGS["single_choice"], "shuffle": True})
    assert public == {"choices": CONFIGS["single_choice"]["choices"], "shuffle": True}


# ---------------------------------------------------------------------------------------------
# multiple_choice


@pytest.mark.parametrize(
    ("answer", "score", "feedback"),
    [
        (["a", "c", "d"], 100, "Correct!"),
        (["d", "c", "a"], 100, "Correct!"),
        (["a", "a", "c", "d"], 100, "Correct!"),
        ("a,c,d", 100, "Correct!"),
        (" a , c ,d ", 100, "Correct!"),
        ("a,c,d,", 100, "Correct!"),
        (("a", "c", "d"), 100, "Correct!"),
        (["a", "c"], 67, "Not quite: 2 of your picks are right; 1 correct option is missing."),
        (["a"], 33, "Not quite: 1 of your picks is right; 2 correct options are missing."),
        (["a", "c", "d", "b"], 67, "Not quite: 3 of your picks are right; 1 pick is wrong."),
        (["a", "b"], 0, "Not quite: 1 of your picks is right; 2 correct options are missing; 1 pick is wrong."),
        (["b"], 0, "Not quite: 0 of your picks are right; 3 correct options are missing; 1 pick is wrong."),
        (["a", "c", "b"], 33, "Not quite: 2 of your picks are right; 1 correct option is missing; 1 pick is wrong."),
    ],
)
def test_multiple_choice_partial_credit(answer, score, feedback):
    verdict = grade("multiple_choice", CONFIGS["multiple_choice"], answer)
    assert verdict == Verdict(score == 100, score, feedback)


def test_multiple_choice_all_or_nothing_without_partial_credit():
    config = {**CONFIGS["multiple_choice"], "partial_credit": False}
    assert grade("multiple_choice", config, ["a", "c", "d"]).score == 100
    verdict = grade("multiple_choice", config, ["a", "c"])
    assert (verdict.correct, verdict.score) == (False, 0)
    assert "1 correct option is missing" in verdict.feedback


def test_multiple_choice_feedback_never_names_options():
    verdict = grade("multiple_choice", CONFIGS["multiple_choice"], ["a", "b"])
    for option in CONFIGS["multiple_choice"]["choices"]:
        assert option["text"] not in verdict.feedback
        assert f"“{option['key']}”" not in verdict.feedback


def test_multiple_choice_cleaned_answer_is_distinct_keys_in_option_order():
    judge = judges.get_judge("multiple_choice")
    assert judge.clean_answer(CONFIGS["multiple_choice"], "d, a,a") == ["a", "d"]
    assert judge.clean_answer(CONFIGS["multiple_choice"], ["c", " b "]) == ["b", "c"]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ([], "empty"),
        ("", "empty"),
        (",", "empty"),
        (["", " "], "empty"),
        (["a", "z"], "malformed"),
        ("a;c", "malformed"),
        (["a"] * 9, "too_long"),
        (["a", None], "wrong_type"),
        ({"a"}, "wrong_type"),
    ],
)
def test_multiple_choice_answer_errors(answer, code):
    assert answer_error("multiple_choice", CONFIGS["multiple_choice"], answer).code == code


# ---------------------------------------------------------------------------------------------
# free_text

FREE = CONFIGS["free_text"]


@pytest.mark.parametrize(
    "answer",
    [
        # Paraphrases: different words, both ideas.
        "The test data must stay unseen because if the model trains on it, information leaks and the accuracy "
        "becomes too optimistic, telling you nothing about new examples.",
        "You should never train on the test set; keep it separate so the score shows whether the model can "
        "generalize to new data instead of just memorising.",
        # Small typos and plurals in the key phrases.
        "Because of leakages the test results would be too optimistc and would not show how it generalises.",
        # A copy of the reference, and the reference with other punctuation and case.
        FREE["references"][0],
        FREE["references"][0].upper().replace(",", ""),
    ],
)
def test_free_text_good_answers_pass(answer):
    verdict = grade("free_text", FREE, answer)
    assert verdict.correct, verdict
    assert verdict.score >= 60
    assert verdict.feedback == "Well explained!"


def test_free_text_copy_of_reference_scores_100():
    assert grade("free_text", FREE, FREE["references"][0]).score == 100


def test_free_text_missing_one_key_idea_fails_and_names_it():
    verdict = grade(
        "free_text",
        FREE,
        "You must keep the test set separate from the training data and never train on it, ever.",
    )
    assert not verdict.correct
    assert verdict.feedback == "Your answer does not yet explain: what the score is meant to measure."
    assert "why the test set must stay unseen" not in verdict.feedback


def test_free_text_missing_both_ideas_names_both():
    verdict = grade("free_text", FREE, "I think the model should be trained for more epochs with dropout.")
    assert not verdict.correct
    assert verdict.feedback == (
        "Your answer does not yet explain: why the test set must stay unseen; what the score is meant to measure."
    )


@pytest.mark.parametrize(
    "answer",
    [
        "asdf qwer zxcv banana purple monkey dishwasher lorem ipsum",
        "!!! ??? ... --- ***",
        "I like to use Python because it is easy to read and has many libraries.",
    ],
)
def test_free_text_gibberish_scores_low(answer):
    verdict = grade("free_text", FREE, answer)
    assert not verdict.correct
    assert verdict.score < 30


def test_free_text_too_short_is_graded_incorrect_with_feedback():
    verdict = grade("free_text", FREE, "unseen data generalises")
    assert not verdict.correct
    assert "at least 5 words" in verdict.feedback
    assert verdict.score < 100


def test_free_text_score_without_ideas_is_similarity_only():
    config = {"references": ["Water boils at one hundred degrees Celsius at sea level."], "min_words": 0}
    assert grade("free_text", config, config["references"][0]).score == 100
    assert grade("free_text", config, "zebra quantum toaster").score < 40


def test_free_text_ideas_present_but_below_threshold():
    config = {**FREE, "pass_threshold": 95}
    verdict = grade("free_text", config, "It must stay unseen, otherwise we cannot tell how well it will generalise.")
    assert not verdict.correct
    assert verdict.feedback.startswith("You touch on the key ideas")


def test_free_text_a_reference_fragment_is_not_a_near_perfect_match():
    # token_set_ratio alone would score any subset of the reference 100.
    config = {"references": FREE["references"], "min_words": 0, "similarity_weight": 1.0}
    assert grade("free_text", config, "the test set").score < 50


def test_free_text_similarity_weight_one_and_zero():
    answer = "Keep the test data unseen and check how the model generalises."
    ideas_only = grade("free_text", {**FREE, "similarity_weight": 0.0}, answer)
    assert ideas_only.score == 100 and ideas_only.correct
    similarity_only = grade("free_text", {**FREE, "similarity_weight": 1.0}, answer)
    assert similarity_only.score < 100


@pytest.mark.parametrize(
    ("phrase", "answer", "present"),
    [
        ("leak", "the data leaks into training", True),  # plural / verb -s
        ("leak", "it is a bleak outlook overall", False),  # word boundary
        ("leak", "we must prevent leek in the data", False),  # short phrases need an exact word
        ("test data", "the latest data was used", False),  # word boundary, even fuzzily
        ("test data", "the tests datas were used", True),
        ("unseen", "the model has seen it before", False),
        ("unseen", "the model has unsen it before", True),  # one typo
        ("overfitting", "this is overfiting of the model", True),
        ("overfitting", "this is underfitting of the model", False),
        ("variance", "high varaince is bad for us", True),  # a transposition is one edit
        ("probability", "the probabilities are calibrated", True),  # y → ies
        ("generalisation", "good generalizaton to new data", True),  # two edits in a long word
        ("never train on", "we never trained on it at all", True),
        ("never train on", "we never on train it at all", False),
        ("Test-Set", "keep the test set away from it", True),  # normalised like the answer
    ],
)
def test_free_text_key_idea_matching(phrase, answer, present):
    config = {
        "references": [f"A reference that mentions {phrase} for sure."],
        "key_ideas": [{"name": "the idea", "any_of": [phrase]}],
        "min_words": 0,
        "similarity_weight": 0.0,
    }
    verdict = grade("free_text", config, answer)
    assert verdict.correct is present
    assert ("does not yet explain: the idea." in verdict.feedback) is not present


def test_free_text_feedback_never_reveals_the_reference_or_phrases():
    verdict = grade("free_text", FREE, "I am not sure what the question is asking about here.")
    assert FREE["references"][0] not in verdict.feedback
    for idea in FREE["key_ideas"]:
        for phrase in idea["any_of"]:
            assert f" {phrase} " not in f" {verdict.feedback.lower()} "


def test_free_text_answers_keep_their_text():
    judge = judges.get_judge("free_text")
    assert judge.clean_answer(FREE, "  Keep it UNSEEN.\n") == "Keep it UNSEEN."


def test_free_text_too_long():
    error = answer_error("free_text", FREE, "word " * 401)
    assert error.code == "too_long"


# ---------------------------------------------------------------------------------------------
# Invalid configurations: each raises JudgeConfigError naming the field

MC = CONFIGS["multiple_choice"]
SC = CONFIGS["single_choice"]
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
