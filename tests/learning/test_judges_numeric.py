"""The numeric judge: accepted forms, tolerances, malformed input, feedback. Pure functions,
no database."""

import pytest

from learning import judges
from learning.judges import Verdict
from tests.learning.judge_cases import answer_error, grade

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
