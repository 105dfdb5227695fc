import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gamification.achievement_rules import EVERYONE, IdRange, rule_choices, rule_get
from gamification.achievements import achievement_backfill, achievement_backfill_part, achievement_source
from gamification.admin import AchievementAdminForm
from gamification.badges import badges_forget
from gamification.defaults import DEFAULT_ACHIEVEMENTS
from gamification.models import Achievement, Badge, Celebration, EarnedAchievement, ProfileStats, XpEntry, XpReason
from gamification.services import ActivityEvent, XpAward, activity_record, stats_check
from learning.services import sessions as session_services
from learning.services.submissions import problem_open, submission_create
from tests.conftest import make_user
from tests.learning.factories import ModuleFactory, ProblemFactory

D = date(2026, 11, 2)


def define(slug, rule, threshold=1, xp_reward=0, **extra):
    return Achievement.objects.create(
        slug=slug, name=slug.title(), description=f"{slug} description", rule=rule, threshold=threshold,
        xp_reward=xp_reward, **extra,
    )  # fmt: skip


def act(profile, day=D, *awards, **facts):
    """One learner action through the real service, in its own transaction."""
    occurred = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    with transaction.atomic():
        return activity_record(
            event=ActivityEvent(profile_id=profile.pk, occurred_at=occurred, local_date=day, awards=awards, **facts)
        )


def solve(n, amount=100):
    return XpAward(amount, XpReason.FIRST_SOLVE, f"first-solve:{n}")


def earned(profile):
    return set(EarnedAchievement.objects.filter(profile=profile).values_list("achievement__slug", flat=True))


# Rule kinds ---------------------------------------------------------------------------------
def test_a_first_solve_earns_once_and_credits_its_reward_consistently(learner):
    define("first", "first_solve", xp_reward=20)
    outcome = act(learner.profile, D, solve(1))
    assert [e.achievement.slug for e in outcome.achievements] == ["first"]
    act(learner.profile, D, solve(2))
    assert earned(learner.profile) == {"first"}
    stats = ProfileStats.objects.get(profile=learner.profile)
    assert stats.total_xp == 220 and stats.level == 2
    reward = XpEntry.objects.get(source=achievement_source(Achievement.objects.get(slug="first")))
    assert reward.reason == XpReason.ACHIEVEMENT
    assert stats_check(learner.profile.pk) == []


def test_counter_rules_fire_when_the_action_crosses_the_threshold(learner):
    define("solved-3", "problems_solved", 3)
    define("xp-250", "total_xp", 250)
    define("level-3", "level", 3)
    act(learner.profile, D, solve(1))
    act(learner.profile, D, solve(2))
    assert earned(learner.profile) == set()
    act(learner.profile, D, solve(3))
    assert earned(learner.profile) == {"solved-3", "xp-250", "level-3"}


def test_a_reward_that_lifts_the_level_earns_the_level_achievement_in_the_same_action(learner):
    define("first", "first_solve", xp_reward=250)
    define("level-3", "level", 3)
    outcome = act(learner.profile, D, solve(1))
    assert {e.achievement.slug for e in outcome.achievements} == {"first", "level-3"}
    assert outcome.level_after == 3 and stats_check(learner.profile.pk) == []


def test_a_streak_achievement_is_earned_on_the_nth_day_in_a_row(learner):
    define("three-days", "streak", 3)
    act(learner.profile, D)
    act(learner.profile, D + timedelta(days=1))
    assert earned(learner.profile) == set()
    act(learner.profile, D + timedelta(days=2))
    assert earned(learner.profile) == {"three-days"}


def test_problems_of_the_day_count_from_the_ledger(learner):
    define("potd-2", "problems_of_the_day", 2)
    for offset in range(2):
        day = D + timedelta(days=offset)
        act(learner.profile, day, XpAward(50, XpReason.PROBLEM_OF_THE_DAY, f"problem-of-the-day:{day}"))
    assert earned(learner.profile) == {"potd-2"}


def test_daily_goal_days_running_must_end_today(learner):
    define("goals-3", "daily_goal_streak", 3)
    for offset in (0, 1, 3, 4):  # a gap on day 2
        day = D + timedelta(days=offset)
        act(learner.profile, day, XpAward(25, XpReason.DAILY_GOAL, f"daily-goal:{day}"))
    assert earned(learner.profile) == set()
    day = D + timedelta(days=5)
    act(learner.profile, day, XpAward(25, XpReason.DAILY_GOAL, f"daily-goal:{day}"))
    assert earned(learner.profile) == {"goals-3"}


def test_a_comeback_needs_enough_days_away(learner):
    define("back", "comeback", 5)
    act(learner.profile, D)
    act(learner.profile, D + timedelta(days=5))  # 4 days away
    assert earned(learner.profile) == set()
    act(learner.profile, D + timedelta(days=11))  # 5 days away
    assert earned(learner.profile) == {"back"}


def test_event_facts_perfect_session_speed_and_modules(learner):
    define("perfect-3", "perfect_session", 3)
    define("fast", "speed_solve", 10)
    define("modules-2", "modules_completed", 2)
    act(learner.profile, D, session_questions=3, session_correct=2)
    act(learner.profile, D, session_questions=2, session_correct=2)
    act(learner.profile, D, first_solve_seconds=11, modules_completed=1)
    assert earned(learner.profile) == set()
    act(learner.profile, D, session_questions=3, session_correct=3, first_solve_seconds=10, modules_completed=2)
    assert earned(learner.profile) == {"perfect-3", "fast", "modules-2"}


def test_the_submit_path_sends_the_facts_for_speed_modules_and_perfect_sessions(learner):
    define("fast", "speed_solve", 30)
    define("mod-1", "modules_completed", 1)
    define("perfect-2", "perfect_session", 2)
    module = ModuleFactory()
    problems = [ProblemFactory(module=module), ProblemFactory(module=module)]
    start = datetime(2026, 11, 2, 12, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        problem_open(profile=learner.profile, problem=problems[0])
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        submission_create(profile=learner.profile, problem=problems[0], answer="3/4")  # slow
    assert earned(learner.profile) == set()
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        session = session_services.practice_session_start(profile=learner.profile, kind="mixed", size=2)
        for _ in range(2):
            session_services.practice_session_answer(profile=learner.profile, session=session, answer="3/4")
    assert earned(learner.profile) == {"fast", "mod-1", "perfect-2"}


def test_inactive_achievements_are_never_earned_nor_backfilled(learner):
    first = define("first", "first_solve", is_active=False)
    act(learner.profile, D, solve(1))
    assert earned(learner.profile) == set()
    assert achievement_backfill(first) == 0 and earned(learner.profile) == set()


# Backfill -----------------------------------------------------------------------------------
def test_backfill_awards_existing_qualifiers_once_and_is_idempotent(learner, other_learner):
    act(learner.profile, D, solve(1), solve(2))
    act(other_learner.profile, D, solve(1))
    two = define("solved-2", "problems_solved", 2, xp_reward=30)
    assert achievement_backfill(two) == 1
    assert achievement_backfill(two) == 0
    assert earned(learner.profile) == {"solved-2"} and earned(other_learner.profile) == set()
    assert ProfileStats.objects.get(profile=learner.profile).total_xp == 230
    assert stats_check(learner.profile.pk) == []
    act(learner.profile, D, solve(3))  # the live path agrees it is already earned
    assert EarnedAchievement.objects.filter(achievement=two).count() == 1
    assert Celebration.objects.filter(profile=learner.profile, kind="achievement").count() == 1


@pytest.mark.parametrize(
    ("rule", "threshold"),
    [("speed_solve", 60), ("modules_completed", 1), ("perfect_session", 1), ("streak", 1), ("level", 2),
     ("total_xp", 100), ("first_solve", 1), ("problems_solved", 1)],
)  # fmt: skip
def test_backfill_reads_facts_from_every_source(learner, rule, threshold):
    problem = ProblemFactory(module=ModuleFactory())
    session = session_services.practice_session_start(profile=learner.profile, kind="mixed", size=1)
    session_services.practice_session_answer(profile=learner.profile, session=session, answer="3/4")
    achievement = define("late", rule, threshold)
    assert problem.pk and achievement_backfill(achievement) == 1


def test_backfill_of_ledger_rules(learner, other_learner):
    for offset in (0, 1, 2, 10):
        day = D + timedelta(days=offset)
        act(learner.profile, day, XpAward(25, XpReason.DAILY_GOAL, f"daily-goal:{day}"))
        act(learner.profile, day, XpAward(50, XpReason.PROBLEM_OF_THE_DAY, f"problem-of-the-day:{day}"))
    act(other_learner.profile, D)
    assert achievement_backfill(define("goals-3", "daily_goal_streak", 3)) == 1
    assert achievement_backfill(define("goals-4", "daily_goal_streak", 4)) == 0
    assert achievement_backfill(define("potd-4", "problems_of_the_day", 4)) == 1
    assert achievement_backfill(define("back-7", "comeback", 7)) == 1
    assert earned(other_learner.profile) == set()


@pytest.mark.parametrize(
    ("rule", "threshold"),
    [("speed_solve", 60), ("modules_completed", 1), ("perfect_session", 1), ("streak", 1), ("level", 2),
     ("total_xp", 100), ("first_solve", 1), ("problems_solved", 1), ("daily_goal_streak", 1),
     ("problems_of_the_day", 1), ("comeback", 7)],
)  # fmt: skip
def test_every_rule_answers_for_a_range_of_profile_ids_only(learner, rule, threshold):
    for day in (D, D + timedelta(days=10)):  # a comeback after 9 days away
        act(learner.profile, day, XpAward(25, XpReason.DAILY_GOAL, f"daily-goal:{day}"))
        act(learner.profile, day, XpAward(50, XpReason.PROBLEM_OF_THE_DAY, f"problem-of-the-day:{day}"))
    ProblemFactory(module=ModuleFactory())
    session = session_services.practice_session_start(profile=learner.profile, kind="mixed", size=1)
    session_services.practice_session_answer(profile=learner.profile, session=session, answer="3/4")
    pk, qualifying = learner.profile.pk, rule_get(rule).qualifying_profile_ids
    assert pk in set(qualifying(threshold, EVERYONE))
    assert pk in set(qualifying(threshold, IdRange(pk - 1, pk)))
    assert pk not in set(qualifying(threshold, IdRange(pk, None)))
    assert pk not in set(qualifying(threshold, IdRange(0, pk - 1)))


def test_a_backfill_walks_every_window_of_profile_ids(learner, other_learner):
    third = make_user("third@example.com").profile
    for profile in (learner.profile, other_learner.profile, third):
        act(profile, D, solve(1))
    achievement = define("late-first", "first_solve")
    assert achievement_backfill_part(achievement, window=1) == (3, None)
    assert all(earned(p) == {"late-first"} for p in (learner.profile, other_learner.profile, third))
    assert achievement_backfill_part(achievement, window=1) == (0, None)


# Celebrations -------------------------------------------------------------------------------
def test_celebrations_show_once_on_the_next_page(client, learner):
    define("first", "first_solve", xp_reward=20, icon="🎯")
    act(learner.profile, D, solve(1))
    client.force_login(learner)
    body = client.get(reverse("learning:modules")).content.decode()
    assert "Achievement: First" in body and "Level 2!" in body
    body = client.get(reverse("learning:modules")).content.decode()
    assert "Achievement: First" not in body and 'class="celebrations"' not in body


def test_celebrations_api_returns_unseen_once(api_client, learner):
    act(learner.profile, D, *[solve(n) for n in range(10)])  # 1,000 XP and 10 solved: Apprentice
    api_client.force_authenticate(learner)
    celebrations = api_client.get("/api/v1/celebrations/").json()
    titles = [(c["kind"], c["title"]) for c in celebrations]
    assert titles == [("level_up", "Level 5!"), ("badge", "New badge: Apprentice")]
    assert api_client.get("/api/v1/celebrations/").json() == []


def test_the_starting_badge_and_a_lower_badge_are_not_celebrated(learner, other_learner):
    act(learner.profile, D)  # a first action without XP: Beginner, held from the start
    stats = ProfileStats.objects.get(profile=learner.profile)
    assert stats.badge.slug == "beginner" and not Celebration.objects.filter(profile=learner.profile).exists()
    act(other_learner.profile, D, *[solve(n) for n in range(10)])
    Badge.objects.filter(slug="apprentice").update(required_points=5000)
    badges_forget()
    act(other_learner.profile, D + timedelta(days=1))  # staff made Apprentice harder: back to Beginner
    assert ProfileStats.objects.get(profile=other_learner.profile).badge.slug == "beginner"
    assert list(Celebration.objects.filter(profile=other_learner.profile).values_list("title", flat=True)) == [
        "Level 5!",
        "New badge: Apprentice",
    ]


def test_a_page_that_does_not_render_celebrations_costs_no_query_for_them(client, learner):
    act(learner.profile, D, *[solve(n) for n in range(10)])
    client.force_login(learner)
    client.get("/api/v1/achievements/")  # JSON, no template
    assert Celebration.objects.filter(profile=learner.profile, seen_at__isnull=True).count() == 2  # level, badge


# Page, API, dashboard -----------------------------------------------------------------------
def test_the_achievements_page_lists_earned_with_dates_and_what_is_left(client, learner, django_assert_max_num_queries):
    define("first", "first_solve")
    define("solved-5", "problems_solved", 5)
    with time_machine.travel(datetime(2026, 11, 2, 12, tzinfo=UTC), tick=False):
        act(learner.profile, D, solve(1))
    client.force_login(learner)
    client.get("/")  # celebrations seen
    with django_assert_max_num_queries(6):
        body = client.get(reverse("achievements:list")).content.decode()
    earned_part, _, upcoming_part = body.partition("Still to earn")
    assert "First" in earned_part and "2 Nov 2026" in earned_part
    assert "Solved-5" in upcoming_part and "N = 5" in upcoming_part and "solved-5 description" in upcoming_part


def test_the_api_lists_active_achievements_with_earned_at(api_client, learner, django_assert_max_num_queries):
    define("first", "first_solve", xp_reward=20)
    define("solved-5", "problems_solved", 5)
    define("hidden", "streak", 2, is_active=False)
    act(learner.profile, D, solve(1))
    api_client.force_authenticate(learner)
    with django_assert_max_num_queries(3):
        body = api_client.get(reverse("achievements_api:achievement-list")).json()
    rows = {row["slug"]: row for row in body}
    assert set(rows) == {"first", "solved-5"}
    assert rows["first"]["earned_at"] and rows["solved-5"]["earned_at"] is None
    assert rows["first"]["rule_label"] == rule_get("first_solve").label


def test_the_dashboard_shows_the_last_three_achievements(client, learner):
    for n in range(1, 5):
        define(f"solved-{n}", "problems_solved", n)
    for n in range(1, 5):
        act(learner.profile, D + timedelta(days=n), solve(n))
    client.force_login(learner)
    body = client.get("/").content.decode()
    section = body.split("Recent achievements", 1)[1].split("</section>", 1)[0]
    assert "Solved-4" in section and "Solved-2" in section and "Solved-1" not in section
    assert reverse("achievements:list") in section


# Seeds and admin ----------------------------------------------------------------------------
def test_the_seeded_set_is_large_valid_and_covers_every_rule(seeded_achievements):
    assert len(seeded_achievements) >= 15 == len(DEFAULT_ACHIEVEMENTS) - 5
    assert all(rule_get(a.rule) is not None for a in seeded_achievements)
    assert {a.rule for a in seeded_achievements} == {kind for kind, _ in rule_choices()}


def test_the_admin_form_refuses_an_unknown_rule_kind(db):
    data = {"slug": "x", "name": "X", "description": "d", "rule": "nonsense", "threshold": 1, "xp_reward": 0}
    form = AchievementAdminForm(data={**data, "display_order": 0, "is_active": True})
    assert not form.is_valid() and "rule" in form.errors
    form = AchievementAdminForm(data={**data, "rule": "streak", "display_order": 0, "is_active": True})
    assert form.is_valid(), form.errors
    with pytest.raises(ValidationError):
        Achievement(**{**data, "slug": ""}).full_clean()


def test_the_admin_backfill_action_and_recompute_action(client, staff, learner, django_capture_on_commit_callbacks):
    act(learner.profile, D, solve(1))
    achievement = define("first", "first_solve", xp_reward=20)
    client.force_login(staff)
    action = {"action": "backfill", "_selected_action": [achievement.pk]}
    with django_capture_on_commit_callbacks(execute=True):  # the backfill is queued on commit (sync mode here)
        response = client.post("/admin/gamification/achievement/", action, follow=True)
    assert "backfill queued" in response.content.decode() and earned(learner.profile) == {"first"}
    ProfileStats.objects.filter(profile=learner.profile).update(total_xp=1)
    response = client.post(
        "/admin/gamification/profilestats/",
        {"action": "recompute", "_selected_action": [learner.profile.pk]},
        follow=True,
    )
    assert "repaired 1" in response.content.decode() and stats_check(learner.profile.pk) == []
    for page in ("achievement", "xpentry", "profilestats", "earnedachievement", "celebration", "badge"):
        assert client.get(f"/admin/gamification/{page}/").status_code == 200


# Query budgets with the seeded set active -------------------------------------------------
def _submit_queries(client, problem, key):
    """Statements of one API submit (as tests/learning/test_api.py measures it), with the
    transaction's on-commit work run as in production."""
    url = reverse("learning_api:problem-submit", kwargs={"slug": problem.slug})
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"answer": "3/4"}, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201, response.content
    return len(ctx.captured_queries)


def test_the_submit_path_budget_with_the_seeded_achievements(
    api_client, learner, seeded_achievements, django_capture_on_commit_callbacks
):
    define("solved-3", "problems_solved", 3, xp_reward=10)
    module = ModuleFactory()
    problems = [ProblemFactory(module=module) for _ in range(4)][:3]  # the module stays incomplete
    api_client.force_authenticate(learner)
    counts = []
    for n, problem in enumerate(problems):
        with django_capture_on_commit_callbacks(execute=True):  # caches fill on commit, as in production
            counts.append(_submit_queries(api_client, problem, key=f"k-{n}"))
        expected = {"first-steps", "quick-thinker"} | ({"solved-3"} if n == 2 else set())
        assert earned(learner.profile) == expected
    _, plain, earning = counts
    # The second answer is a fast first solve again (a speed-solve candidate) but the learner's
    # earned ids are cached, so evaluation looks nothing up: the 15 statements of test_api's
    # submit, plus this solve's level-up celebration, plus the test's SAVEPOINT/RELEASE.
    assert plain <= 15 + 1 + 2, plain
    # Earning adds the earned look-up, the earned row, the reward, the stats and a celebration.
    assert earning <= plain + 5, (earning, plain)


# Concurrency (PostgreSQL) -------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_qualifying_actions_earn_one_achievement_and_one_reward():
    Achievement.objects.filter(is_active=True).update(is_active=False)
    streak = define("streak-1", "streak", 1, xp_reward=40)
    profile = make_user("racer@example.com").profile
    barrier, errors = threading.Barrier(4), []

    def run(i):
        try:
            barrier.wait()
            act(profile, D + timedelta(days=i))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert EarnedAchievement.objects.filter(achievement=streak, profile=profile).count() == 1
    assert XpEntry.objects.filter(profile=profile, source=achievement_source(streak)).count() == 1
    assert stats_check(profile.pk) == []
