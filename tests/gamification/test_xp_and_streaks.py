from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from gamification.levels import level_for_xp, level_progress, xp_for_level
from gamification.models import ActivityDay, ProfileStats, XpEntry, XpReason
from gamification.services import StreakState, stats_check, streak_advance, streak_as_of
from learning.services import goals
from learning.services.potd import potd_for_profile
from learning.services.submissions import submission_create
from tests.conftest import make_user
from tests.learning.factories import ModuleFactory, ProblemFactory

D = date(2026, 11, 2)


def days(*offsets):
    state = StreakState()
    for offset in offsets:
        state = streak_advance(state, D + timedelta(days=offset))
    return state


def test_consecutive_days_grow_the_streak_and_repeats_do_nothing():
    state = days(0, 0, 1, 2, 2)
    assert (state.current, state.longest) == (3, 3)


def test_a_gap_without_freezes_restarts_the_streak():
    state = days(0, 1, 2, 4)
    assert (state.current, state.longest) == (1, 3)


def test_every_seventh_day_earns_a_freeze_up_to_two():
    assert days(*range(7)).freezes == 1
    assert days(*range(21)).freezes == 2


def test_a_missed_day_consumes_a_freeze_and_is_marked_frozen():
    state = days(*range(7))  # one freeze earned
    after = streak_advance(state, D + timedelta(days=8))  # day 7 missed
    assert after.current == 8 and after.freezes == 0
    assert after.frozen_days == (D + timedelta(days=7),)


def test_more_missed_days_than_freezes_restart():
    state = days(*range(7))
    after = streak_advance(state, D + timedelta(days=9))
    assert after.current == 1 and after.freezes == 1 and after.frozen_days == ()


def test_an_earlier_local_date_after_a_timezone_change_changes_nothing():
    state = days(0, 1)
    assert streak_advance(state, D) == state


def test_a_lapsed_streak_reads_as_zero_without_any_job():
    stats = ProfileStats(current_streak=5, longest_streak=5, last_active_on=D, streak_freezes=0)
    assert streak_as_of(stats, D + timedelta(days=1)) == 5
    assert streak_as_of(stats, D + timedelta(days=2)) == 0
    stats.streak_freezes = 1
    assert streak_as_of(stats, D + timedelta(days=2)) == 5


def test_level_curve():
    assert [xp_for_level(n) for n in (1, 2, 3, 4, 5, 10)] == [0, 100, 300, 600, 1000, 4500]
    assert [level_for_xp(x) for x in (0, 99, 100, 299, 300, 4499, 4500)] == [1, 1, 2, 2, 3, 9, 10]
    progress = level_progress(200)
    assert (progress.level, progress.into_level, progress.needed, progress.percent) == (2, 100, 200, 50)


@pytest.fixture
def problems(db):
    module = ModuleFactory()
    return [ProblemFactory(module=module) for _ in range(3)]


def test_a_first_solve_credits_the_ledger_and_the_stats_in_one_go(learner, problems):
    result = submission_create(profile=learner.profile, problem=problems[0], answer="3/4")
    entry = XpEntry.objects.get(profile=learner.profile)
    assert (entry.amount, entry.reason) == (150, XpReason.FIRST_SOLVE)
    stats = ProfileStats.objects.get(profile=learner.profile)
    assert (stats.total_xp, stats.level, stats.problems_solved, stats.current_streak) == (150, 2, 1, 1)
    assert stats.badge.slug == "beginner"
    assert result.activity.levelled_up


def test_wrong_and_repeat_answers_earn_nothing_but_count_as_activity(learner, problems):
    submission_create(profile=learner.profile, problem=problems[0], answer="1/2")
    stats = ProfileStats.objects.get(profile=learner.profile)
    assert stats.total_xp == 0 and stats.current_streak == 1
    submission_create(profile=learner.profile, problem=problems[0], answer="3/4")
    submission_create(profile=learner.profile, problem=problems[0], answer="3/4")
    assert XpEntry.objects.filter(profile=learner.profile).count() == 1


def test_the_ledger_refuses_a_second_award_for_one_source(learner):
    XpEntry.objects.create(profile=learner.profile, amount=10, reason="first_solve", source="x", earned_on=D)
    with pytest.raises(IntegrityError), transaction.atomic():
        XpEntry.objects.create(profile=learner.profile, amount=10, reason="first_solve", source="x", earned_on=D)


def test_problem_of_the_day_and_daily_goal_add_their_bonus_once(learner, problems):
    goals.daily_goal_set(profile=learner.profile, level="casual")
    today = potd_for_profile(learner.profile)
    submission_create(profile=learner.profile, problem=today.problem, answer="3/4")
    reasons = sorted(XpEntry.objects.filter(profile=learner.profile).values_list("reason", flat=True))
    assert reasons == [XpReason.DAILY_GOAL, XpReason.FIRST_SOLVE, XpReason.PROBLEM_OF_THE_DAY]
    other = next(p for p in problems if p != today.problem)
    submission_create(profile=learner.profile, problem=other, answer="3/4")
    assert XpEntry.objects.filter(profile=learner.profile, reason=XpReason.DAILY_GOAL).count() == 1


def test_streak_days_follow_the_learners_local_calendar(db, problems):
    profile = make_user("sydney@example.com", time_zone="Australia/Sydney").profile
    # 14:00 UTC on the 1st and 13:00 UTC on the 2nd are the 2nd and the 3rd in Sydney.
    for moment, problem in (
        (datetime(2026, 11, 1, 14, tzinfo=UTC), problems[0]),
        (datetime(2026, 11, 2, 13, tzinfo=UTC), problems[1]),
    ):
        with time_machine.travel(moment, tick=False):
            submission_create(profile=profile, problem=problem, answer="3/4")
    assert list(ActivityDay.objects.filter(profile=profile).values_list("day", flat=True).order_by("day")) == [
        date(2026, 11, 2),
        date(2026, 11, 3),
    ]
    assert ProfileStats.objects.get(profile=profile).current_streak == 2


def test_integrity_check_finds_and_repairs_drift(learner, problems):
    submission_create(profile=learner.profile, problem=problems[0], answer="3/4")
    assert stats_check(learner.profile.pk) == []
    ProfileStats.objects.filter(profile=learner.profile).update(total_xp=9999, problems_solved=7)
    drift = stats_check(learner.profile.pk, fix=True)
    assert {d.field for d in drift} == {"total_xp", "problems_solved"}
    assert ProfileStats.objects.get(profile=learner.profile).total_xp == 150
    assert stats_check(learner.profile.pk) == []
