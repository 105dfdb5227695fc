"""Statement budgets of the submit path (`submission_create` alone, with every seeded achievement
active) for each kind of answer, each with the behaviour it must still have, so a budget cannot
pass by doing less; and, on PostgreSQL, the guarantees the budgets must not cost: one learner's
concurrent first solves (the one-pass `activity_record`), one completion of a day's problem
without a savepoint, and answers that queue behind another for the progress lock.

These are TestCase-style tests: the test's own transaction turns submit's durable atomic into a
SAVEPOINT/RELEASE pair, the 2 statements added to every budget below (`SAVEPOINTS`). An action's
independent gamification writes (XP entries, activity day, boards, stats row, celebrations) are
one statement on PostgreSQL and one each on SQLite, whose boards take 3 (`writes`); so are the
submission and the update of the progress row (`ANSWER_ROWS`). The statement lists below count
each of those as the numbers of a pair. The issue's budget of 15 is PostgreSQL's.
"""

import threading
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.db import connection

from accounts.errors import Conflict
from gamification.achievements import achievement_source, achievements_active
from gamification.badges import badges_all
from gamification.models import (
    Achievement,
    ActivityDay,
    Celebration,
    EarnedAchievement,
    ProfileStats,
    XpEntry,
    XpReason,
)
from gamification.services import activity_record, stats_check
from learning import selectors
from learning.models import (
    PracticeSession,
    PracticeSessionItem,
    ProblemOfTheDay,
    ProblemOfTheDayCompletion,
    ProblemProgress,
    ProgressStatus,
    Submission,
)
from learning.services import goals, sessions
from learning.services.potd import potd_ids_for_date
from learning.services.submissions import (
    DAILY_GOAL_XP,
    PROBLEM_OF_THE_DAY_XP,
    ModuleLocked,
    problem_open,
    problem_points,
    submission_create,
)
from tests.concurrency import race
from tests.conftest import make_user

from .factories import ModuleFactory, ProblemFactory

SUBMIT_BUDGET = 15
SAVEPOINTS = 2  # the durable atomic, nested in the test's transaction

ANSWER_ROWS = 1 if connection.vendor == "postgresql" else 2  # INSERT submission, UPDATE progress


def writes(count, *, boards=True):
    """Statements for `count` independent gamification writes of one action (accounts.rows.WriteBatch)."""
    if connection.vendor == "postgresql":
        return 1
    return count + (2 if boards else 0)


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
    """Every `verb` (INSERT or UPDATE) of `table`, standalone or a part of a combined statement
    (PostgreSQL sends an action's independent writes as one: accounts.rows.WriteBatch)."""
    target = f'INSERT INTO "{table}"' if verb == "INSERT" else f'{verb} "{table}"'
    return [q["sql"] for q in queries for _ in range(q["sql"].count(target))]


def _assert_within_the_issue_budget(queries):
    """The issue's budget for one answer, on PostgreSQL (SQLite spends more on the writes)."""
    if connection.vendor == "postgresql":
        assert len(queries) - SAVEPOINTS <= SUBMIT_BUDGET


def _source(slug):
    """The ledger source of the seeded achievement `slug`'s reward."""
    return achievement_source(Achievement.objects.get(slug=slug))


def _savepoints(queries):
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries)


def _reads(queries, model):
    """The SELECTs that read `model`'s table in their own FROM (not in a subquery)."""
    table = f'FROM "{model._meta.db_table}"'
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and q["sql"].split("(")[0].count(table)]


def _counting_modules():
    """Spy on the submit path's count of completed modules (a statement over every module)."""
    return mock.patch("learning.services.submissions.completed_module_count", wraps=selectors.completed_module_count)


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
    # earned ids are read), a goal-streak rule wanting the goal days, a "modules completed"
    # achievement unearned (the lock reads whether this solve completes the module: it does
    # not, so the modules are not counted), an achievement with an XP reward, and a level up and
    # an achievement to celebrate:
    #  1 progress lock (with the prerequisites check, the daily goal, today's points and whether
    #    the module has other unsolved problems)  2-3 INSERT submission, UPDATE progress
    #  4 stats lock  5 ledger look-up (today's goal credited? the goal days for "goal-3")
    #  6 earned ids  7 INSERT earned achievement  8 the writes: every XP entry, the activity day,
    #  the boards (gamification/leaderboards.py), the stats row and the celebrations
    with time_machine.travel(TODAY, tick=False), _counting_modules() as count:
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(5 + ANSWER_ROWS + writes(5) + SAVEPOINTS) as ctx:
            result = submission_create(profile=profile, problem=problem, answer="3/4")

    points = problem_points(problem, 300)
    assert result.is_first_solve and result.submission.points_awarded == points
    assert [row.achievement.slug for row in result.activity.achievements] == ["first-steps"]
    count.assert_not_called()  # the module is not complete, so the completed modules cannot change
    reward = next(a.xp_reward for a in seeded_achievements if a.slug == "first-steps")
    ledger = dict(XpEntry.objects.filter(profile=profile).values_list("source", "amount"))
    assert ledger == {
        f"first-solve:{problem.pk}": points,
        f"daily-goal:{TODAY.date()}": DAILY_GOAL_XP,
        _source("first-steps"): reward,
    }
    stats = ProfileStats.objects.get(profile=profile)
    assert stats.total_xp == result.activity.total_xp == points + DAILY_GOAL_XP + reward
    assert result.activity.xp_gained == points + DAILY_GOAL_XP and result.activity.levelled_up
    assert stats.problems_solved == 1 and stats.current_streak == 2 and stats.xp_reached_at == TODAY
    assert stats_check(profile.pk) == []
    assert EarnedAchievement.objects.filter(profile=profile).count() == 1
    assert ActivityDay.objects.filter(profile=profile, day=TODAY.date()).exists()
    kinds = set(Celebration.objects.filter(profile=profile).values_list("kind", flat=True))
    assert kinds == {Celebration.Kind.LEVEL_UP, Celebration.Kind.ACHIEVEMENT}  # Beginner is held from the start
    # Every XP entry in one INSERT, the stats row written once.
    queries = ctx.captured_queries
    assert len(_statements(queries, "INSERT", XpEntry._meta.db_table)) == 1
    assert len(_statements(queries, "UPDATE", ProfileStats._meta.db_table)) == 1
    assert _savepoints(queries) == 1  # only the durable atomic's


def test_a_wrong_first_answer_by_a_new_learner_fits_the_budget(
    learner, module, seeded_achievements, django_assert_max_num_queries
):
    profile = learner.profile
    problem = ProblemFactory(module=module)
    assert not ProfileStats.objects.filter(profile=profile).exists()
    assert not ProblemProgress.objects.filter(profile=profile).exists()
    # Both rows are created here, race-safely and without savepoints:
    #  1 progress lock (no row, but the prerequisites all the same)  2 INSERT progress
    #  3-4 INSERT submission, UPDATE progress  5 stats lock (no row)  6 INSERT stats
    #  7 stats lock  8-9 boards (no XP, a new longest streak: the learner's entries, of which
    #  there are none)  10 the writes: the activity day and the stats row
    with time_machine.travel(TODAY, tick=False):
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(7 + ANSWER_ROWS + writes(2, boards=False) + SAVEPOINTS) as ctx:
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
    assert _savepoints(ctx.captured_queries) == 1


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
    #  1 progress lock (with the prerequisites check)  2-3 INSERT submission, UPDATE progress
    #  4 stats lock
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(2 + ANSWER_ROWS + SAVEPOINTS):
            again = submission_create(profile=profile, problem=problem, answer="3/4")

    assert first.is_first_solve and not again.is_first_solve and again.submission.is_correct
    assert again.submission.points_awarded == 0 and again.activity.xp_gained == 0
    assert again.progress.attempts == 2 and again.progress.points_earned == first.submission.points_awarded
    assert ProfileStats.objects.get(profile=profile).total_xp == total
    assert XpEntry.objects.filter(profile=profile).count() == ledger  # the daily goal is not paid twice
    assert Submission.objects.filter(profile=profile, problem=problem).count() == 2
    assert again.activity.achievements == ()


def _learner_seen_yesterday(profile):
    """Give the learner a casual daily goal (100 points) and a wrong answer yesterday, so they
    have a stats row and today is a new streak day (on a problem of a module of its own)."""
    goals.daily_goal_set(profile=profile, level="casual")
    with time_machine.travel(TODAY - timedelta(days=1), tick=False):
        submission_create(profile=profile, problem=ProblemFactory(), answer="1/2")


def test_a_problem_of_the_day_first_solve_that_meets_the_goal_and_earns_achievements_fits_the_budget(
    learner, module, seeded_achievements, django_assert_max_num_queries
):
    profile = learner.profile
    problem, _other = ProblemFactory(module=module), ProblemFactory(module=module)  # the module stays incomplete
    ProblemOfTheDay.objects.create(featured_on=TODAY.date(), problem=problem)
    _learner_seen_yesterday(profile)
    with time_machine.travel(TODAY - timedelta(minutes=5), tick=False):
        problem_open(profile=profile, problem=problem)
    # The main solve's worst case, plus the day's completion and "Daily dose" (a cold earned cache):
    #  1 progress lock  2-3 INSERT submission, UPDATE progress  4 INSERT the day's completion
    #  (nothing on a conflict, returning its id: no savepoint)  5 stats lock  6 ledger look-up
    #  7 count of problems of the day (gamification/achievement_rules.py, while one is unearned)
    #  8 earned ids  9 INSERT earned achievements  10 the writes (XP entries, activity day,
    #  boards, stats, celebrations)
    with time_machine.travel(TODAY, tick=False):
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(7 + ANSWER_ROWS + writes(5) + SAVEPOINTS) as ctx:
            result = submission_create(profile=profile, problem=problem, answer="3/4")

    points = problem_points(problem, 300)
    assert result.is_first_solve and result.potd_completed
    assert {row.achievement.slug for row in result.activity.achievements} == {"first-steps", "potd-1"}
    completion = ProblemOfTheDayCompletion.objects.get(profile=profile)
    assert completion.submission_id == result.submission.pk and completion.completed_at == TODAY
    rewards = {a.slug: a.xp_reward for a in seeded_achievements}
    ledger = dict(XpEntry.objects.filter(profile=profile).values_list("source", "amount"))
    assert ledger == {
        f"first-solve:{problem.pk}": points,
        f"problem-of-the-day:{TODAY.date()}": PROBLEM_OF_THE_DAY_XP,
        f"daily-goal:{TODAY.date()}": DAILY_GOAL_XP,
        _source("first-steps"): rewards["first-steps"],
        _source("potd-1"): rewards["potd-1"],
    }
    assert result.activity.xp_gained == points + PROBLEM_OF_THE_DAY_XP + DAILY_GOAL_XP
    assert stats_check(profile.pk) == []
    assert _savepoints(ctx.captured_queries) == 1  # only the durable atomic's
    assert len(_statements(ctx.captured_queries, "INSERT", ProblemOfTheDayCompletion._meta.db_table)) == 1

    # Solving it again that day completes nothing more and pays nothing more.
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        again = submission_create(profile=profile, problem=problem, answer="3/4")
    assert again.submission.is_correct and not again.potd_completed and again.activity.xp_gained == 0
    assert ProblemOfTheDayCompletion.objects.filter(profile=profile).count() == 1
    assert XpEntry.objects.filter(profile=profile, reason=XpReason.PROBLEM_OF_THE_DAY).count() == 1


@pytest.fixture
def session_module(db):
    module = ModuleFactory()
    for _ in range(5):
        ProblemFactory(module=module)
    return module


def test_a_practice_session_answer_fits_the_budget(
    learner, session_module, seeded_achievements, django_assert_max_num_queries
):
    profile = learner.profile
    _learner_seen_yesterday(profile)
    with time_machine.travel(TODAY - timedelta(minutes=5), tick=False):
        session = sessions.practice_session_start(profile=profile, kind="module", module=session_module, size=5)
        item = sessions.practice_session_next_item(session)
        problem_open(profile=profile, problem=item.problem)  # as the session page does
    # The main solve's worst case, answering the session's first question: the lock also reads
    # the session's unanswered item for this problem and whether others remain.
    #  1 progress lock  2-3 INSERT submission, UPDATE progress  4 UPDATE the item (if still
    #  unanswered)  5 stats lock  6 ledger look-up  7 earned ids  8 INSERT earned achievement
    #  9 the writes (XP entries, activity day, boards, stats, celebrations)
    with time_machine.travel(TODAY, tick=False):
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(6 + ANSWER_ROWS + writes(5) + SAVEPOINTS) as ctx:
            result = submission_create(profile=profile, problem=item.problem, answer="3/4", practice_session=session)

    assert result.is_first_solve and result.submission.practice_session_id == session.pk
    assert [row.achievement.slug for row in result.activity.achievements] == ["first-steps"]
    item.refresh_from_db()
    assert (item.submission_id, item.is_correct, item.points, item.seconds) == (
        result.submission.pk,
        True,
        problem_points(item.problem, 300),
        300,
    )
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.ACTIVE and session.ended_at is None
    assert session.answered_count == 0  # the stored results are written when it ends
    assert sessions.practice_session_next_item(session).position == 2
    assert not _reads(ctx.captured_queries, PracticeSessionItem)  # folded into the progress lock
    assert stats_check(profile.pk) == []


def test_the_answer_that_ends_a_practice_session_fits_the_budget(
    learner, session_module, seeded_achievements, django_assert_max_num_queries
):
    profile = learner.profile
    goals.daily_goal_set(profile=profile, level="casual")
    midnight = TODAY.replace(hour=0)
    with time_machine.travel(midnight - timedelta(minutes=50), tick=False):
        session = sessions.practice_session_start(profile=profile, kind="module", module=session_module, size=5)
    items = list(session.items.select_related("problem"))
    for n, item in enumerate(items[:4]):
        with time_machine.travel(midnight - timedelta(minutes=40 - n), tick=False):
            submission_create(profile=profile, problem=item.problem, answer="3/4", practice_session=session)
    last = items[4]
    with time_machine.travel(midnight + timedelta(minutes=25), tick=False):
        problem_open(profile=profile, problem=last.problem)
    # The session's last question, answered after midnight: a first solve that meets the new
    # day's goal on a new streak day, ends the session (perfect: "Flawless") and completes the
    # module (so the completed modules are counted: "Module master"):
    #  1 progress lock  2-3 INSERT submission, UPDATE progress  4 UPDATE the item  5 UPDATE the
    #  session with its results, summed from its items, returning them  6 completed module count
    #  7 stats lock  8 ledger look-up  9 earned ids  10 INSERT earned achievements  11 the writes
    #  (XP entries, activity day, boards, stats, celebrations)
    answered_at = midnight + timedelta(minutes=30)
    with time_machine.travel(answered_at, tick=False), _counting_modules() as count:
        _warm_caches(answered_at.date())
        with django_assert_max_num_queries(8 + ANSWER_ROWS + writes(5) + SAVEPOINTS) as ctx:
            result = submission_create(profile=profile, problem=last.problem, answer="3/4", practice_session=session)
    _assert_within_the_issue_budget(ctx.captured_queries)

    assert result.is_first_solve
    assert {row.achievement.slug for row in result.activity.achievements} == {"perfect-5", "module-1"}
    count.assert_called_once()
    points, seconds = zip(*session.items.values_list("points", "seconds"), strict=True)
    expected = (PracticeSession.Status.COMPLETED, answered_at, 5, 5, sum(points), sum(seconds))
    results = ("status", "ended_at", "answered_count", "correct_count", "points", "seconds")
    assert tuple(getattr(session, name) for name in results) == expected  # the instance is current
    session.refresh_from_db()
    assert tuple(getattr(session, name) for name in results) == expected
    ledger = set(XpEntry.objects.filter(profile=profile).values_list("source", flat=True))
    assert {f"daily-goal:{answered_at.date()}", _source("perfect-5"), _source("module-1")} <= ledger
    assert ActivityDay.objects.filter(profile=profile, day=answered_at.date()).exists()
    assert not _reads(ctx.captured_queries, PracticeSessionItem) and not _reads(ctx.captured_queries, PracticeSession)
    assert stats_check(profile.pk) == []


def test_a_first_solve_of_a_problem_never_opened_by_a_new_learner_fits_the_budget(
    module, seeded_achievements, django_assert_max_num_queries
):
    profile = make_user("newcomer@example.com").profile
    problem, _other = ProblemFactory(module=module), ProblemFactory(module=module)
    assert not ProfileStats.objects.filter(profile=profile).exists()
    # A first action ever, solving at once (its clock starts now: "Quick thinker" too):
    #  1 progress lock (no row)  2 INSERT progress  3-4 INSERT submission, UPDATE progress
    #  5 stats lock (no row)  6 INSERT stats  7 stats lock  8 earned ids  9 INSERT earned
    #  achievements  10 the writes (XP entries, activity day, boards, stats, celebrations)
    with time_machine.travel(TODAY, tick=False):
        _warm_caches(TODAY.date())
        with django_assert_max_num_queries(7 + ANSWER_ROWS + writes(5) + SAVEPOINTS) as ctx:
            result = submission_create(profile=profile, problem=problem, answer="3/4")
    _assert_within_the_issue_budget(ctx.captured_queries)

    assert result.is_first_solve and result.submission.points_awarded == problem_points(problem, 0)
    assert {row.achievement.slug for row in result.activity.achievements} == {"first-steps", "quick-thinker"}
    progress = ProblemProgress.objects.get(profile=profile, problem=problem)
    assert progress.status == ProgressStatus.COMPLETED and progress.opened_at == TODAY and progress.version == 2
    assert progress.best_submission_id == result.submission.pk
    stats = ProfileStats.objects.get(profile=profile)
    assert stats.problems_solved == 1 and stats.current_streak == 1
    assert stats_check(profile.pk) == []
    assert _savepoints(ctx.captured_queries) == 1


def test_a_locked_module_leaves_no_progress_row_behind(learner, module):
    # A missing row is inserted before the locking SELECT reads the prerequisites; ModuleLocked
    # rolls it back with the rest of the answer.
    prerequisite = ModuleFactory(title="Basics")
    ProblemFactory(module=prerequisite)
    module.prerequisites.add(prerequisite)
    with pytest.raises(ModuleLocked) as error:
        submission_create(profile=learner.profile, problem=ProblemFactory(module=module), answer="3/4")
    assert "Basics" in error.value.message
    assert not ProblemProgress.objects.filter(profile=learner.profile).exists()
    assert not Submission.objects.filter(profile=learner.profile).exists()


@pytest.mark.parametrize(
    ("published", "unpublished", "solved", "module_published", "is_locked"),
    [
        (0, 0, 0, True, True),  # a prerequisite with nothing published is never complete
        (0, 1, 0, True, True),
        (2, 0, 1, True, True),
        (2, 1, 2, True, False),  # its unpublished problem does not count
        (2, 0, 0, False, False),  # an unpublished prerequisite does not count
    ],
)
def test_the_lock_and_its_error_agree_on_which_prerequisites_are_missing(
    learner, module, published, unpublished, solved, module_published, is_locked
):
    # The progress lock asks `has_missing_prerequisites`; the error names `missing_prerequisites`.
    profile = learner.profile
    prerequisite = ModuleFactory(title="Basics")
    problems = [ProblemFactory(module=prerequisite) for _ in range(published)]
    ProblemFactory.create_batch(unpublished, module=prerequisite, is_published=False)
    for problem in problems[:solved]:
        submission_create(profile=profile, problem=problem, answer="3/4")
    prerequisite.is_published = module_published
    prerequisite.save()
    module.prerequisites.add(prerequisite)
    assert bool(selectors.missing_prerequisites(profile, module)) == is_locked
    problem = ProblemFactory(module=module)
    if is_locked:
        with pytest.raises(ModuleLocked):
            submission_create(profile=profile, problem=problem, answer="3/4")
    else:
        assert submission_create(profile=profile, problem=problem, answer="3/4").is_first_solve


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
    assert {_source(slug) for slug in earned} <= set(sources)
    assert sum(len(o.activity.achievements) for o in outcomes) == len(earned)
    assert stats_check(profile.pk) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_answers_to_the_problem_of_the_day_complete_it_once(seeded_achievements):
    # No savepoint guards the completion any more: the INSERT that does nothing on a conflict
    # must still let exactly one answer complete the day, and the others carry on unharmed.
    profile = make_user("sunny@example.com").profile
    problem = ProblemFactory(module=ModuleFactory())
    ProblemOfTheDay.objects.create(featured_on=profile.local_today(), problem=problem)
    outcomes = race(4, lambda i: submission_create(profile=profile, problem=problem, answer="3/4"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.potd_completed for o in outcomes) == 1 and sum(o.is_first_solve for o in outcomes) == 1
    completion = ProblemOfTheDayCompletion.objects.get(profile=profile)
    assert completion.submission_id == next(o.submission.pk for o in outcomes if o.potd_completed)
    assert XpEntry.objects.filter(profile=profile, reason=XpReason.PROBLEM_OF_THE_DAY).count() == 1
    assert EarnedAchievement.objects.filter(profile=profile, achievement__slug="potd-1").count() == 1
    assert stats_check(profile.pk) == []


def _queued(first, second):
    """Run `first()` and `second()` in threads, the second starting while the first holds its
    progress lock (it waits in `activity_record` until the second has queued for the lock).
    Returns both outcomes (a result or the exception raised)."""
    holding, release = threading.Event(), threading.Event()

    def hold_the_first(*, event):
        if not holding.is_set():
            holding.set()
            release.wait(10)
        return activity_record(event=event)

    def run(i):
        if i == 0:
            return first()
        holding.wait(10)
        return second()

    def release_soon():
        holding.wait(10)
        time.sleep(0.5)  # the second answer is waiting for the lock by now
        release.set()

    releaser = threading.Thread(target=release_soon)
    releaser.start()
    with mock.patch("learning.services.submissions.activity_record", hold_the_first):
        outcomes = race(2, run)
    releaser.join()
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_answer_queued_behind_another_to_the_same_question_is_refused_whole(seeded_achievements):
    # The second answer's locking SELECT starts while the first holds the lock, so it reads the
    # item as unanswered (annotations are read as of the SELECT's start); the conditional
    # UPDATE of the item must refuse it, rolling back its submission, and end the session once.
    profile = make_user("racer@example.com").profile
    module = ModuleFactory()
    for _ in range(5):
        ProblemFactory(module=module)
    session = sessions.practice_session_start(profile=profile, kind="module", module=module, size=5)
    items = list(session.items.select_related("problem"))
    for item in items[:4]:
        submission_create(profile=profile, problem=item.problem, answer="3/4", practice_session=session)
    last = items[4].problem
    problem_open(profile=profile, problem=last)  # the row exists, so the second answer queues on its lock

    def answer():
        copy = PracticeSession.objects.get(pk=session.pk)  # each request loads its own, still active
        return submission_create(profile=profile, problem=last, answer="3/4", practice_session=copy)

    first, second = _queued(answer, answer)
    assert not isinstance(first, Exception) and first.is_first_solve, first
    assert isinstance(second, Conflict) and second.code == "already_answered", second
    assert Submission.objects.filter(profile=profile, problem=last).count() == 1
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.COMPLETED
    assert (session.answered_count, session.correct_count) == (5, 5)
    assert session.points == sum(session.items.values_list("points", flat=True))
    assert {"perfect-5", "module-1"} <= {row.achievement.slug for row in first.activity.achievements}
    assert EarnedAchievement.objects.filter(profile=profile, achievement__slug="perfect-5").count() == 1
    assert stats_check(profile.pk) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worse_answer_queued_behind_a_solve_keeps_the_solve_as_the_best(seeded_achievements):
    # The queued answer's join to the best submission reads as of its SELECT's start, before
    # the solve it queued behind became the best; it must not take that place.
    profile = make_user("racer@example.com").profile
    problem = ProblemFactory(module=ModuleFactory())
    problem_open(profile=profile, problem=problem)
    submission_create(profile=profile, problem=problem, answer="1/2")  # the best so far: wrong
    solve, wrong = _queued(
        lambda: submission_create(profile=profile, problem=problem, answer="3/4"),
        lambda: submission_create(profile=profile, problem=problem, answer="1/2"),
    )
    assert solve.is_first_solve and not wrong.submission.is_correct and wrong.progress.attempts == 3
    progress = ProblemProgress.objects.get(profile=profile, problem=problem)
    assert progress.best_submission_id == solve.submission.pk and progress.status == ProgressStatus.COMPLETED
