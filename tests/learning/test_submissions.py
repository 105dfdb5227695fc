from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.errors import Conflict, DomainError, InvalidInput, NotFound
from gamification.models import ProfileStats, XpEntry
from learning.models import ProblemProgress, ProgressStatus, Submission
from learning.services.submissions import ModuleLocked, problem_open, submission_create
from tests.concurrency import race
from tests.conftest import make_user

from .factories import ModuleFactory, ProblemFactory


@pytest.fixture
def problem(db):
    return ProblemFactory(base_points=100, time_bonus_points=50, time_bonus_window_seconds=100)


def test_first_correct_answer_earns_base_points_and_full_bonus(learner, problem):
    result = submission_create(profile=learner.profile, problem=problem, answer="0.75")
    assert result.submission.is_correct and result.submission.is_first_solve
    assert result.submission.points_awarded == 150
    assert result.progress.status == ProgressStatus.COMPLETED
    assert result.progress.points_earned == 150 and result.progress.attempts == 1


def test_time_bonus_decays_linearly_from_when_the_problem_was_opened(learner, problem):
    opened = timezone.now() - timedelta(seconds=40)
    problem_open(profile=learner.profile, problem=problem, now=opened)
    result = submission_create(profile=learner.profile, problem=problem, answer="3/4")
    assert result.submission.seconds_taken in (40, 41)
    assert result.submission.points_awarded == 100 + round(50 * (1 - result.submission.seconds_taken / 100))


def test_reopening_does_not_restart_the_clock(learner, problem):
    first = timezone.now() - timedelta(seconds=500)
    problem_open(profile=learner.profile, problem=problem, now=first)
    problem_open(profile=learner.profile, problem=problem)
    result = submission_create(profile=learner.profile, problem=problem, answer="3/4")
    assert result.submission.points_awarded == 100


def test_later_correct_answers_are_kept_with_no_points(learner, problem):
    submission_create(profile=learner.profile, problem=problem, answer="3/4")
    again = submission_create(profile=learner.profile, problem=problem, answer="0.75")
    assert again.submission.is_correct and again.submission.points_awarded == 0
    assert not again.submission.is_first_solve
    assert again.progress.points_earned == 150 and again.progress.attempts == 2
    assert Submission.objects.filter(profile=learner.profile).count() == 2


def test_wrong_answers_count_as_attempts_and_keep_the_problem_in_progress(learner, problem):
    result = submission_create(profile=learner.profile, problem=problem, answer="1/2")
    assert not result.submission.is_correct and result.submission.points_awarded == 0
    assert result.progress.status == ProgressStatus.IN_PROGRESS and result.progress.attempts == 1


def test_a_first_correct_submission_with_no_progress_row_yet_records_progress(learner, problem):
    """The replaced design's trigger updated nothing when no progress row existed."""
    assert not ProblemProgress.objects.exists()
    submission_create(profile=learner.profile, problem=problem, answer="3/4")
    progress = ProblemProgress.objects.get(profile=learner.profile, problem=problem)
    assert progress.status == ProgressStatus.COMPLETED and progress.points_earned == 150


@pytest.mark.parametrize(
    ("answer", "code"),
    [("", "answer_empty"), ("   ", "answer_empty"), ("x" * 5000, "answer_too_long"), ({"a": 1}, "answer_wrong_type")],
)
def test_malformed_answers_are_refused_before_judging_and_write_nothing(learner, problem, answer, code):
    with pytest.raises(InvalidInput) as error:
        submission_create(profile=learner.profile, problem=problem, answer=answer)
    assert error.value.code == code
    assert not Submission.objects.exists() and not ProblemProgress.objects.exists()


def test_answering_a_locked_module_is_refused(learner):
    basics = ModuleFactory(title="Basics")
    ProblemFactory(module=basics)
    advanced = ModuleFactory(title="Advanced")
    advanced.prerequisites.add(basics)
    locked = ProblemFactory(module=advanced)
    with pytest.raises(ModuleLocked) as error:
        submission_create(profile=learner.profile, problem=locked, answer="3/4")
    assert "Basics" in error.value.message
    assert not Submission.objects.exists()


def test_completing_prerequisites_unlocks_the_module(learner):
    basics = ModuleFactory()
    first = ProblemFactory(module=basics)
    advanced = ModuleFactory()
    advanced.prerequisites.add(basics)
    locked = ProblemFactory(module=advanced)
    submission_create(profile=learner.profile, problem=first, answer="3/4")
    assert submission_create(profile=learner.profile, problem=locked, answer="3/4").submission.is_correct


def test_unpublished_problems_cannot_be_answered(learner):
    hidden = ProblemFactory(is_published=False)
    with pytest.raises(NotFound):
        submission_create(profile=learner.profile, problem=hidden, answer="3/4")


def test_idempotency_key_replays_the_first_outcome(learner, problem):
    first = submission_create(profile=learner.profile, problem=problem, answer="3/4", idempotency_key="k-1")
    again = submission_create(profile=learner.profile, problem=problem, answer="3/4", idempotency_key="k-1")
    assert again.is_replay and again.submission.pk == first.submission.pk
    assert Submission.objects.count() == 1


def test_idempotency_key_with_a_different_answer_is_refused(learner, problem):
    submission_create(profile=learner.profile, problem=problem, answer="3/4", idempotency_key="k-1")
    with pytest.raises(DomainError) as error:
        submission_create(profile=learner.profile, problem=problem, answer="1/2", idempotency_key="k-1")
    assert error.value.status == 422 and error.value.code == "idempotency_key_reused"
    assert Submission.objects.count() == 1


def test_stale_version_is_refused_with_the_current_state(learner, problem):
    result = submission_create(profile=learner.profile, problem=problem, answer="1/2")
    stale = result.progress.version - 1
    with pytest.raises(Conflict) as error:
        submission_create(profile=learner.profile, problem=problem, answer="3/4", expected_version=stale)
    assert error.value.extra["current"]["version"] == result.progress.version
    assert error.value.extra["current"]["status"] == ProgressStatus.IN_PROGRESS
    assert Submission.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_correct_submissions_award_first_solve_points_exactly_once():
    profile = make_user("racer@example.com").profile
    problem = ProblemFactory()
    outcomes = race(8, lambda i: submission_create(profile=profile, problem=problem, answer="3/4"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Submission.objects.filter(profile=profile).count() == 8
    assert Submission.objects.filter(profile=profile, is_first_solve=True).count() == 1
    assert sum(Submission.objects.filter(profile=profile).values_list("points_awarded", flat=True)) == 150
    progress = ProblemProgress.objects.get(profile=profile, problem=problem)
    assert progress.attempts == 8 and progress.points_earned == 150 and progress.version == 9
    # The replaced design's trigger paid the same problem again on every correct submission.
    assert XpEntry.objects.filter(profile=profile).count() == 1
    assert ProfileStats.objects.get(profile=profile).total_xp == 150


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_with_one_idempotency_key_record_once():
    profile = make_user("retry@example.com").profile
    problem = ProblemFactory()
    outcomes = race(
        4, lambda i: submission_create(profile=profile, problem=problem, answer="3/4", idempotency_key="same")
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({o.submission.pk for o in outcomes}) == 1
    assert Submission.objects.filter(profile=profile).count() == 1
