import random
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.errors import Conflict, InvalidInput
from learning.models import (
    Goal,
    PracticeSession,
    ProblemOfTheDay,
    ProblemOfTheDayCompletion,
    ProblemProgress,
    Submission,
)
from learning.services import goals, potd, sessions
from learning.services.session_results import practice_session_close
from learning.services.submissions import submission_create
from tests.conftest import make_user

from .factories import ModuleFactory, ProblemFactory


@pytest.fixture
def module(db):
    module = ModuleFactory(title="Fractions")
    for _ in range(6):
        ProblemFactory(module=module)
    return module


def test_a_session_runs_from_start_to_summary(learner, module):
    profile = learner.profile
    session = sessions.practice_session_start(profile=profile, kind="module", module=module, size=4)
    assert session.question_count == 4
    answers = ["3/4", "0.75", "1/2", "3/4"]
    for answer in answers:
        sessions.practice_session_answer(profile=profile, session=session, answer=answer)
        session.refresh_from_db()
    assert session.status == PracticeSession.Status.COMPLETED
    assert (session.answered_count, session.correct_count, session.accuracy) == (4, 3, 75)
    assert session.points == sum(item.points for item in session.items.all()) > 0


def test_ending_early_counts_unanswered_questions_as_missed(learner, module):
    session = sessions.practice_session_start(profile=learner.profile, kind="mixed", size=5)
    sessions.practice_session_answer(profile=learner.profile, session=session, answer="3/4")
    sessions.practice_session_end(profile=learner.profile, session=session)
    assert (session.answered_count, session.correct_count, session.accuracy) == (1, 1, 20)
    with pytest.raises(Conflict):
        sessions.practice_session_answer(profile=learner.profile, session=session, answer="3/4")


def test_answers_the_session_cannot_take_are_refused_and_leave_nothing_behind(learner, module):
    profile = learner.profile
    session = sessions.practice_session_start(profile=profile, kind="module", module=module, size=2)
    first, second = (item.problem for item in session.items.select_related("problem"))
    outside = module.problems.exclude(pk__in=[first.pk, second.pk]).first()
    with pytest.raises(InvalidInput) as error:
        submission_create(profile=profile, problem=outside, answer="3/4", practice_session=session)
    assert error.value.code == "not_in_session"
    submission_create(profile=profile, problem=first, answer="1/2", practice_session=session)
    with pytest.raises(Conflict) as error:
        submission_create(profile=profile, problem=first, answer="3/4", practice_session=session)
    assert error.value.code == "already_answered"
    assert Submission.objects.filter(profile=profile).count() == 1
    assert not ProblemProgress.objects.filter(profile=profile, problem=outside).exists()
    sessions.practice_session_end(profile=profile, session=session)
    assert (session.status, session.answered_count, session.correct_count) == (PracticeSession.Status.COMPLETED, 1, 0)
    with pytest.raises(Conflict) as error:
        submission_create(profile=profile, problem=second, answer="3/4", practice_session=session)
    assert error.value.code == "session_ended"
    assert Submission.objects.filter(profile=profile).count() == 1


def test_ending_a_session_twice_closes_it_once(learner, module):
    session = sessions.practice_session_start(profile=learner.profile, kind="mixed", size=3)
    sessions.practice_session_answer(profile=learner.profile, session=session, answer="3/4")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        sessions.practice_session_end(profile=learner.profile, session=session)
    ended_at = session.ended_at
    again = PracticeSession.objects.get(pk=session.pk)
    assert not practice_session_close(session=again, now=timezone.now())
    again.refresh_from_db()
    assert again.ended_at == ended_at and (again.answered_count, again.correct_count) == (1, 1)
    assert again.points == session.points > 0 and again.seconds == session.seconds


def test_unsolved_problems_come_first(learner, module):
    solved = list(module.problems.all()[:4])
    for problem in solved:
        submission_create(profile=learner.profile, problem=problem, answer="3/4")
    session = sessions.practice_session_start(
        profile=learner.profile, kind="module", module=module, size=2, rng=random.Random(1)
    )
    assert not {item.problem_id for item in session.items.all()} & {p.pk for p in solved}


def test_review_needs_mistakes(learner, module):
    with pytest.raises(InvalidInput) as error:
        sessions.practice_session_start(profile=learner.profile, kind="review", size=5)
    assert error.value.code == "nothing_to_practise"
    wrong = module.problems.first()
    submission_create(profile=learner.profile, problem=wrong, answer="1/2")
    session = sessions.practice_session_start(profile=learner.profile, kind="review", size=5)
    assert [item.problem_id for item in session.items.all()] == [wrong.pk]


def test_one_session_at_a_time_and_expiry(learner, module):
    session = sessions.practice_session_start(profile=learner.profile, kind="mixed", size=3)
    with pytest.raises(Conflict) as error:
        sessions.practice_session_start(profile=learner.profile, kind="mixed", size=3)
    assert error.value.extra["session_id"] == session.pk
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        again = sessions.practice_session_start(profile=learner.profile, kind="mixed", size=3)
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.EXPIRED and again.pk != session.pk


def test_bad_session_sizes_are_refused(learner, module):
    for size in (0, 31, "lots"):
        with pytest.raises(InvalidInput):
            sessions.practice_session_start(profile=learner.profile, kind="mixed", size=size)
    assert not PracticeSession.objects.exists()


def test_problem_of_the_day_prefers_beginner_open_modules_and_avoids_repeats(db, module):
    locked = ModuleFactory()
    locked.prerequisites.add(module)
    ProblemFactory(module=locked)
    start = date(2026, 11, 1)
    chosen = [potd.potd_for_date(start + timedelta(days=n)).problem for n in range(6)]
    assert all(problem.module_id == module.pk for problem in chosen)
    assert len({p.pk for p in chosen}) == 6, "no repeats while fresh problems remain"


def test_learners_ahead_of_utc_already_have_tomorrows_problem(db, module):
    now = datetime(2026, 11, 21, 13, 0, tzinfo=UTC)  # already the 22nd in Kiribati
    potd.potd_ensure_upcoming(now)
    days = set(ProblemOfTheDay.objects.values_list("featured_on", flat=True))
    assert {date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)} <= days
    assert potd.potd_ensure_upcoming(now) and ProblemOfTheDay.objects.count() == len(days), "idempotent"


def test_solving_the_days_problem_on_that_local_date_records_a_completion(db, module):
    profile = make_user("tokyo@example.com", time_zone="Asia/Tokyo").profile
    now = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)  # 22 Nov in Tokyo
    today = potd.potd_for_profile(profile, now)
    assert today.featured_on == date(2026, 11, 22)
    with time_machine.travel(now, tick=False):
        result = submission_create(profile=profile, problem=today.problem, answer="3/4")
        again = submission_create(profile=profile, problem=today.problem, answer="3/4")
    assert result.potd_completed and not again.potd_completed
    assert ProblemOfTheDayCompletion.objects.filter(profile=profile).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_first_requests_choose_one_problem_of_the_day():
    module = ModuleFactory()
    for _ in range(5):
        ProblemFactory(module=module)
    day = date(2026, 12, 1)
    barrier = threading.Barrier(4)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(potd.potd_for_date(day).problem_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1
    assert ProblemOfTheDay.objects.filter(featured_on=day).count() == 1


def test_daily_goal_progress_counts_the_learners_local_day(db, module):
    profile = make_user("la@example.com", time_zone="America/Los_Angeles").profile
    goals.daily_goal_set(profile=profile, level="casual")
    late_evening = datetime(2026, 11, 21, 7, 30, tzinfo=UTC)  # 20 Nov, 23:30 in LA
    with time_machine.travel(late_evening, tick=False):
        submission_create(profile=profile, problem=module.problems.first(), answer="3/4")
    [previous_day] = goals.goals_progress_for(profile, now=late_evening)
    assert previous_day.current == 150 and previous_day.is_met
    [next_day] = goals.goals_progress_for(profile, now=late_evening + timedelta(hours=1))
    assert next_day.current == 0 and not next_day.is_met


def test_choosing_a_new_daily_goal_replaces_the_old_one(learner):
    goals.daily_goal_set(profile=learner.profile, level="casual")
    goals.daily_goal_set(profile=learner.profile, level="custom", points=333)
    active = Goal.objects.get(profile=learner.profile, kind=Goal.Kind.DAILY_POINTS, is_active=True)
    assert active.target == 333


@pytest.mark.parametrize(("level", "points"), [("heroic", None), ("custom", "many"), ("custom", 5), ("custom", 10**6)])
def test_bad_daily_goals_are_refused(learner, level, points):
    with pytest.raises(InvalidInput):
        goals.daily_goal_set(profile=learner.profile, level=level, points=points)
    assert not Goal.objects.exists()


def test_weekly_and_module_goals(learner, module):
    weekly = goals.goal_create(profile=learner.profile, kind="weekly_problems", target=2)
    finish = goals.goal_create(
        profile=learner.profile,
        kind="module_by_date",
        module=module,
        due_on=learner.profile.local_today() + timedelta(days=7),
    )
    for problem in module.problems.all()[:2]:
        submission_create(profile=learner.profile, problem=problem, answer="3/4")
    progress = {p.goal.pk: p for p in goals.goals_progress_for(learner.profile)}
    assert progress[weekly.pk].is_met and progress[weekly.pk].current == 2
    assert (progress[finish.pk].current, progress[finish.pk].target, progress[finish.pk].is_met) == (2, 6, False)
    with pytest.raises(InvalidInput):
        goals.goal_create(profile=learner.profile, kind="module_by_date", module=module, due_on="2020-01-01")
