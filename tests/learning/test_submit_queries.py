"""Statement budgets of the submit path (`submission_create` alone, with every seeded achievement
active), each with the behaviour it must still have, so a budget cannot pass by doing less; and
one learner's concurrent first solves on PostgreSQL, for the one-pass `activity_record`.

These are TestCase-style tests: the test's own transaction turns submit's durable atomic into a
SAVEPOINT/RELEASE pair, the 2 statements added to every budget below (`SAVEPOINTS`).
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from gamification.achievements import achievements_active
from gamification.badges import badges_all
from gamification.models import ActivityDay, Celebration, EarnedAchievement, ProfileStats, XpEntry
from gamification.services import stats_check
from learning.models import ProblemProgress, ProgressStatus, Submission
from learning.services import goals
from learning.services.potd import potd_ids_for_date
from learning.services.submissions import DAILY_GOAL_XP, problem_open, problem_points, submission_create
from tests.concurrency import race
from tests.conftest import make_user

from .factories import ModuleFactory, ProblemFactory

SUBMIT_BUDGET = 15
SAVEPOINTS = 2  # the durable atomic, nested in the test's transaction
TODAY = datetime(2026, 11, 10, 12, tzinfo=UTC)


@pytest.fixture
def module(db):
    return ModuleFactory()


def _warm_caches(day):
    """What production serves from its caches (minutes long): the active achievements, the
    badges and the day's problem of the day. Cold, each costs one statement once."""
    achievements_active()
    badges_all()
    potd_ids_for_date(day)


def _statements(queries, verb, table):
    return [q["sql"] for q in queries if q["sql"].startswith(verb) and table in q["sql"].split("(")[0]]


def test_a_first_solve_that_earns_an_achievement_and_meets_the_goal_fits_the_budget(
    learner, module, seeded_achievements, django_assert_max_num_queries
):
    profile = learner.profile
    problem, other = ProblemFactory(module=module), ProblemFactory(module=module)  # the module stays incomplete
    goals.daily_goal_set(profile=profile, level="casual")  # 100 points a day
    with time_machine.travel(TODAY - timedelta(days=1), tick=False):
        submission_create(profile=profile, problem=other, answer="1/2")  # yesterday: stats row, no XP
    with time_machine.travel(TODAY - timedelta(minutes=5), tick=False):
        problem_open(profile=profile, problem=problem)  # too slow for "quick thinker"
    # Worst case of a solve: today's first activity (a new streak day), a cold earned cache (the
    # earned ids are read), a goal-streak rule wanting the goal days, the module count wanted,
    # an achievement with an XP reward, and a level up, a badge and an achievement to celebrate:
    #  1 progress lock (with the prerequisites check, the daily goal and today's points)
    #  2 INSERT submission  3 UPDATE progress  4 completed module count  5 stats lock
    #  6 ledger look-up (today's goal credited? the goal days for "goal-3")  7 earned ids
    #  8 INSERT every XP entry  9 INSERT activity day  10 INSERT earned achievement
    #  11-13 boards (gamification/leaderboards.py, 2-3)  14 UPDATE stats  15 INSERT celebrations
    with time_machine.travel(TODAY, tick=False):
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(SUBMIT_BUDGET + SAVEPOINTS) as ctx:
            result = submission_create(profile=profile, problem=problem, answer="3/4")

    points = problem_points(problem, 300)
    assert result.is_first_solve and result.submission.points_awarded == points
    assert [row.achievement.slug for row in result.activity.achievements] == ["first-steps"]
    reward = next(a.xp_reward for a in seeded_achievements if a.slug == "first-steps")
    ledger = dict(XpEntry.objects.filter(profile=profile).values_list("source", "amount"))
    assert ledger == {
        f"first-solve:{problem.pk}": points,
        f"daily-goal:{TODAY.date()}": DAILY_GOAL_XP,
        "achievement:first-steps": reward,
    }
    stats = ProfileStats.objects.get(profile=profile)
    assert stats.total_xp == result.activity.total_xp == points + DAILY_GOAL_XP + reward
    assert result.activity.xp_gained == points + DAILY_GOAL_XP and result.activity.levelled_up
    assert stats.problems_solved == 1 and stats.current_streak == 2 and stats.xp_reached_at == TODAY
    assert stats_check(profile.pk) == []
    assert EarnedAchievement.objects.filter(profile=profile).count() == 1
    assert ActivityDay.objects.filter(profile=profile, day=TODAY.date()).exists()
    kinds = set(Celebration.objects.filter(profile=profile).values_list("kind", flat=True))
    assert kinds == {Celebration.Kind.LEVEL_UP, Celebration.Kind.BADGE, Celebration.Kind.ACHIEVEMENT}
    # Every XP entry in one INSERT, the stats row written once.
    queries = ctx.captured_queries
    assert len(_statements(queries, "INSERT", XpEntry._meta.db_table)) == 1
    assert len(_statements(queries, "UPDATE", ProfileStats._meta.db_table)) == 1
    assert sum(q["sql"].startswith("SAVEPOINT") for q in queries) == 1  # only the durable atomic's


def test_a_wrong_first_answer_by_a_new_learner_fits_the_budget(
    learner, module, seeded_achievements, django_assert_max_num_queries
):
    profile = learner.profile
    problem = ProblemFactory(module=module)
    assert not ProfileStats.objects.filter(profile=profile).exists()
    assert not ProblemProgress.objects.filter(profile=profile).exists()
    # Both rows are created here, race-safely and without savepoints:
    #  1 progress lock (no row)  2 prerequisites  3 INSERT progress  4 progress lock
    #  5 INSERT submission  6 UPDATE progress  7 stats lock (no row)  8 INSERT stats
    #  9 stats lock  10 INSERT activity day  11-12 boards (no XP, a new longest streak: 0-2)
    #  13 UPDATE stats
    with time_machine.travel(TODAY, tick=False):
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(SUBMIT_BUDGET + SAVEPOINTS) as ctx:
            result = submission_create(profile=profile, problem=problem, answer="1/2")

    assert not result.submission.is_correct and result.submission.points_awarded == 0
    progress = ProblemProgress.objects.get(profile=profile, problem=problem)
    assert progress.status == ProgressStatus.IN_PROGRESS and progress.attempts == 1 and progress.version == 2
    assert progress.opened_at == TODAY
    stats = ProfileStats.objects.get(profile=profile)
    assert stats.total_xp == 0 and stats.current_streak == 1 and stats.last_active_on == TODAY.date()
    assert stats.board_longest_streak == 1  # the board marker went out with the one stats write
    assert not XpEntry.objects.filter(profile=profile).exists()
    assert not EarnedAchievement.objects.filter(profile=profile).exists()
    assert not Celebration.objects.filter(profile=profile).exists()
    assert sum(q["sql"].startswith("SAVEPOINT") for q in ctx.captured_queries) == 1


def test_answering_a_solved_problem_again_costs_little_and_earns_nothing(
    learner, module, seeded_achievements, django_assert_max_num_queries
):
    profile = learner.profile
    problem = ProblemFactory(module=module)
    goals.daily_goal_set(profile=profile, level="casual")
    with time_machine.travel(TODAY, tick=False):
        first = submission_create(profile=profile, problem=problem, answer="3/4")
    total = ProfileStats.objects.get(profile=profile).total_xp
    ledger = XpEntry.objects.filter(profile=profile).count()
    # Same day, no XP, board markers unchanged, so the stats row is locked but not written:
    #  1 progress lock (with the prerequisites check)  2 INSERT submission  3 UPDATE progress
    #  4 stats lock
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(4 + SAVEPOINTS):
            again = submission_create(profile=profile, problem=problem, answer="3/4")

    assert first.is_first_solve and not again.is_first_solve and again.submission.is_correct
    assert again.submission.points_awarded == 0 and again.activity.xp_gained == 0
    assert again.progress.attempts == 2 and again.progress.points_earned == first.submission.points_awarded
    assert ProfileStats.objects.get(profile=profile).total_xp == total
    assert XpEntry.objects.filter(profile=profile).count() == ledger  # the daily goal is not paid twice
    assert Submission.objects.filter(profile=profile, problem=problem).count() == 2
    assert again.activity.achievements == ()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_first_solves_of_one_learner_credit_the_goal_and_each_achievement_once(seeded_achievements):
    # What the one-pass activity_record decides in memory must still hold under the stats lock:
    # each action sees the others' ledger rows and earned achievements once it holds the lock.
    profile = make_user("racer@example.com").profile
    module = ModuleFactory()
    problems = [ProblemFactory(module=module) for _ in range(5)][:4]  # the module stays incomplete
    goals.daily_goal_set(profile=profile, level="casual")
    outcomes = race(4, lambda i: submission_create(profile=profile, problem=problems[i], answer="3/4"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert all(o.is_first_solve for o in outcomes)
    sources = list(XpEntry.objects.filter(profile=profile).values_list("source", flat=True))
    assert len(sources) == len(set(sources))
    assert sum(source.startswith("first-solve:") for source in sources) == 4
    assert sum(source.startswith("daily-goal:") for source in sources) == 1
    earned = list(EarnedAchievement.objects.filter(profile=profile).values_list("achievement__slug", flat=True))
    assert sorted(earned) == sorted(set(earned)) and {"first-steps", "quick-thinker"} <= set(earned)
    assert {f"achievement:{slug}" for slug in earned} <= set(sources)
    assert sum(len(o.activity.achievements) for o in outcomes) == len(earned)
    assert stats_check(profile.pk) == []
