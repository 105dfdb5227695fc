"""The text and choice judges: exact, single_choice, multiple_choice and free_text. Pure
functions, no database."""

import pytest

from learning import judges
from learning.judges import Verdict
from tests.learning.judge_cases import CONFIGS, answer_error, grade

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
