"""The submit path's hand-written locking read (`learning/services/progress_lock.py`) against
what the ORM says of the same rows, in every shape the submit path asks for."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum

from learning.models import Goal, ProblemProgress, ProgressStatus, Submission
from learning.selectors import local_day_bounds, missing_prerequisites, points_on
from learning.services import goals, sessions
from learning.services.progress_lock import progress_lock_read
from learning.services.submissions import problem_open, submission_create

from .factories import ModuleFactory, ProblemFactory

NOW = datetime(2026, 11, 10, 12, tzinfo=UTC)


def _read(profile, problem, **shape):
    with transaction.atomic():
        return progress_lock_read(profile_id=profile.pk, problem=problem, **shape)


def _solve(profile, problem, when=NOW):
    with time_machine.travel(when, tick=False):
        submission_create(profile=profile, problem=problem, answer="3/4")


@pytest.fixture
def chain(db):
    """Basics (two problems) unlocks Fractions (three problems)."""
    basics, fractions = ModuleFactory(title="Basics"), ModuleFactory(title="Fractions")
    fractions.prerequisites.add(basics)
    return (
        basics,
        [ProblemFactory(module=basics) for _ in range(2)],
        fractions,
        [ProblemFactory(module=fractions) for _ in range(3)],
    )


def test_no_row_reads_an_unsaved_row_with_the_figures_and_an_opened_problem_reads_its_row(learner, chain):
    basics, (first, _), fractions, (locked, _, _) = chain
    missing = _read(learner.profile, first, goal_day_bounds=local_day_bounds(learner.profile, NOW.date()))
    assert missing.pk is None and missing._state.adding
    assert (missing.profile_id, missing.problem_id, missing.status, missing.version) == (
        learner.profile.pk,
        first.pk,
        ProgressStatus.NOT_STARTED,
        1,
    )
    assert (missing.module_is_locked, missing.best_score, missing.points_on_day) == (False, None, 0)
    assert _read(learner.profile, locked).module_is_locked  # known before any row exists
    assert not ProblemProgress.objects.exists()
    problem_open(profile=learner.profile, problem=first)
    row = _read(learner.profile, first)
    assert isinstance(row, ProblemProgress) and row.pk == ProblemProgress.objects.get(profile=learner.profile).pk
    assert (row.status, row.version, row.best_score, row.best_is_correct) == (ProgressStatus.NOT_STARTED, 1, None, None)


def test_the_module_lock_agrees_with_missing_prerequisites(learner, other_learner, chain):
    basics, basic_problems, fractions, fraction_problems = chain
    profile = learner.profile
    target = fraction_problems[0]
    ProblemProgress.objects.create(profile=profile, problem=target)

    def locked():
        return _read(profile, target).module_is_locked

    assert locked() is True and missing_prerequisites(profile, fractions) == ("Basics",)
    _solve(profile, basic_problems[0])
    _solve(other_learner.profile, basic_problems[1])  # someone else's solve unlocks nothing for me
    assert locked() is True and missing_prerequisites(profile, fractions) == ("Basics",)
    _solve(profile, basic_problems[1])
    assert locked() is False and missing_prerequisites(profile, fractions) == ()
    # A prerequisite with no published problem cannot be completed, as missing_prerequisites says.
    empty = ModuleFactory(title="Empty")
    fractions.prerequisites.add(empty)
    assert locked() is True and missing_prerequisites(profile, fractions) == ("Empty",)
    empty.is_published = False  # an unpublished prerequisite does not count
    empty.save()
    assert locked() is False and missing_prerequisites(profile, fractions) == ()


def test_the_best_submission_comes_with_the_row(learner, chain):
    _, (problem, _), _, _ = chain
    with time_machine.travel(NOW, tick=False):
        submission_create(profile=learner.profile, problem=problem, answer="1/2")
    row = _read(learner.profile, problem)
    best = Submission.objects.get(pk=row.best_submission_id)
    assert (row.best_score, row.best_is_correct) == (best.score, False)
    _solve(learner.profile, problem, NOW + timedelta(minutes=1))
    assert _read(learner.profile, problem).best_is_correct is True


def test_the_daily_goal_and_the_points_of_the_learners_local_day(learner, chain):
    profile = learner.profile
    profile.time_zone = "Pacific/Auckland"  # UTC+13 in November: the local day differs from UTC's
    profile.save()
    _, (first, second), _, _ = chain
    problem_open(profile=profile, problem=second)
    day = profile.local_today(NOW)
    bounds = local_day_bounds(profile, day)
    row = _read(profile, second, goal_day_bounds=bounds)
    assert (row.daily_goal_target, row.points_on_day) == (None, 0)
    goals.daily_goal_set(profile=profile, level="regular")
    _solve(profile, first)  # on `day`, locally
    _solve(profile, ProblemFactory(), NOW - timedelta(days=1))  # the day before: not counted
    row = _read(profile, second, goal_day_bounds=bounds)
    assert row.daily_goal_target == Goal.objects.get(profile=profile, is_active=True).target == 250
    assert row.points_on_day == points_on(profile, day) > 0
    everything = Submission.objects.filter(profile=profile).aggregate(n=Sum("points_awarded"))["n"]
    assert row.points_on_day < everything


def test_the_session_item_and_whether_others_are_open(learner, db):
    module = ModuleFactory()
    for _ in range(3):
        ProblemFactory(module=module)
    profile = learner.profile
    session = sessions.practice_session_start(profile=profile, kind="module", module=module, size=2)
    items = list(session.items.select_related("problem").order_by("position"))
    outside = module.problems.exclude(pk__in=[item.problem_id for item in items]).get()
    for item in items:
        ProblemProgress.objects.get_or_create(profile=profile, problem=item.problem)
    ProblemProgress.objects.create(profile=profile, problem=outside)

    first = _read(profile, items[0].problem, session_id=session.pk)
    assert (first.session_item_id, first.session_has_open_others) == (items[0].pk, True)
    assert _read(profile, outside, session_id=session.pk).session_item_id is None
    sessions.practice_session_answer(profile=profile, session=session, answer="3/4")  # answers items[0]
    assert _read(profile, items[0].problem, session_id=session.pk).session_item_id is None
    last = _read(profile, items[1].problem, session_id=session.pk)
    assert (last.session_item_id, last.session_has_open_others) == (items[1].pk, False)


def test_whether_the_module_has_other_unsolved_problems(learner, other_learner, chain):
    basics, (first, second), _, _ = chain
    profile = learner.profile
    ProblemProgress.objects.create(profile=profile, problem=second)
    assert _read(profile, second, module_check=True).module_has_unsolved_others is True
    _solve(other_learner.profile, first)
    assert _read(profile, second, module_check=True).module_has_unsolved_others is True
    _solve(profile, first)
    assert _read(profile, second, module_check=True).module_has_unsolved_others is False
    ProblemFactory(module=basics, is_published=False)  # unpublished problems do not count
    assert _read(profile, second, module_check=True).module_has_unsolved_others is False
