"""Gamification as a learner and staff meet it, through the real submit path, pages and API:
a freeze covering a missed day, a time-zone change, my place beyond the top 100, the default
badges, the read-only ledger, and the direction of imports between the apps."""

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from accounts import services as account_services
from gamification.models import ActivityDay, Badge, ProfileStats, XpEntry
from learning.services.submissions import submission_create
from tests.conftest import make_user
from tests.learning.factories import ModuleFactory, ProblemFactory

START = datetime(2026, 11, 2, 12, tzinfo=UTC)  # a Monday


@pytest.fixture
def problems(db):
    module = ModuleFactory()
    return [ProblemFactory(module=module) for _ in range(12)]


def answer_on(profile, problem, when, answer="3/4"):
    with time_machine.travel(when, tick=False):
        return submission_create(profile=profile, problem=problem, answer=answer)


def test_a_missed_day_after_a_week_is_covered_by_a_freeze_on_the_calendar_and_in_the_api(
    client, api_client, learner, problems
):
    profile = learner.profile
    for day in range(7):  # seven days in a row earn a freeze
        answer_on(profile, problems[day], START + timedelta(days=day))
    assert ProfileStats.objects.get(profile=profile).streak_freezes == 1
    answer_on(profile, problems[7], START + timedelta(days=8))  # day 7 missed

    missed = (START + timedelta(days=7)).date()
    assert ActivityDay.objects.get(profile=profile, day=missed).is_frozen
    stats = ProfileStats.objects.get(profile=profile)
    assert (stats.current_streak, stats.longest_streak, stats.streak_freezes) == (8, 8, 0)

    client.force_login(learner)
    api_client.force_authenticate(learner)
    with time_machine.travel(START + timedelta(days=8, hours=2), tick=False):
        page = client.get("/").content.decode()
        days = {d["day"]: d["state"] for d in api_client.get("/api/v1/me/calendar/?weeks=2").json()}
    assert '<strong class="streak-number">8</strong>' in page
    assert page.count('class="cal cal-frozen"') == 1
    assert days[missed.isoformat()] == "frozen" and days[(START + timedelta(days=8)).date().isoformat()] == "active"


def test_changing_time_zone_never_adds_or_removes_a_day_already_recorded(learner, problems):
    profile = learner.profile
    account_services.profile_update(actor=learner, profile=profile, time_zone="Pacific/Auckland")
    answer_on(profile, problems[0], datetime(2026, 11, 2, 12, tzinfo=UTC))  # 3 Nov in Auckland
    assert list(ActivityDay.objects.filter(profile=profile).values_list("day", flat=True)) == [date(2026, 11, 3)]

    account_services.profile_update(actor=learner, profile=profile, time_zone="America/Los_Angeles")
    answer_on(profile, problems[1], datetime(2026, 11, 2, 13, tzinfo=UTC))  # 2 Nov in Los Angeles: earlier
    stats = ProfileStats.objects.get(profile=profile)
    assert list(ActivityDay.objects.filter(profile=profile).values_list("day", flat=True)) == [date(2026, 11, 3)]
    assert (stats.current_streak, stats.last_active_on) == (1, date(2026, 11, 3))
    # Its XP still counts, dated the learner's local day at the time.
    assert XpEntry.objects.get(source=f"first-solve:{problems[1].pk}").earned_on == date(2026, 11, 2)

    answer_on(profile, problems[2], datetime(2026, 11, 4, 20, tzinfo=UTC))  # 4 Nov in Los Angeles
    stats = ProfileStats.objects.get(profile=profile)
    assert (stats.current_streak, stats.last_active_on) == (2, date(2026, 11, 4))


def test_the_board_page_shows_my_place_beyond_the_top_100(client, problems, django_assert_max_num_queries):
    leaders = [make_user(f"l{n}@example.com", display_name=f"Leader {n}") for n in range(100)]
    for user in leaders:
        answer_on(user.profile, problems[0], START)
        answer_on(user.profile, problems[1], START)
    me = make_user("me@example.com", display_name="Me")
    answer_on(me.profile, problems[0], START)
    client.force_login(me)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        client.get(reverse("leaderboards:board"))
        with django_assert_max_num_queries(12):
            page = client.get(reverse("leaderboards:board"), {"board": "week"}).content.decode()
    assert '<strong class="board-me-rank">#101</strong>' in page
    assert page.count("<tr") == 101 and 'class="is-me"' not in page  # header + 100 rows, mine not among them
    assert "Page 1 of 2 · 101 learners" in page


def test_the_six_default_badges_are_seeded_with_their_thresholds(db):
    assert list(Badge.objects.values_list("name", "required_points", "required_problems")) == [
        ("Beginner", 0, 0),
        ("Apprentice", 1000, 10),
        ("Intermediate", 2500, 25),
        ("Advanced", 5000, 40),
        ("Expert", 8000, 60),
        ("Master", 12000, 80),
    ]


def test_staff_can_read_the_xp_ledger_but_not_write_it(client, staff, learner, problems):
    answer_on(learner.profile, problems[0], START)
    entry = XpEntry.objects.get()
    client.force_login(staff)
    assert client.get(reverse("admin:gamification_xpentry_changelist"), {"reason": "first_solve"}).status_code == 200
    assert client.get(reverse("admin:gamification_xpentry_add")).status_code == 403
    change = reverse("admin:gamification_xpentry_change", args=[entry.pk])
    assert client.post(change, {"amount": 9999}).status_code == 403
    assert (
        client.post(reverse("admin:gamification_xpentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    assert XpEntry.objects.get().amount == entry.amount


# Apps import only those to their right: sharing → learning → gamification → accounts.
LAYERS = ["sharing", "learning", "gamification", "accounts"]


def _imported_apps(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]
        elif isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)


@pytest.mark.parametrize("app", LAYERS)
def test_apps_never_import_an_app_to_their_left(app):
    forbidden = set(LAYERS[: LAYERS.index(app)])
    offenders = {
        f"{path.relative_to(settings.BASE_DIR)} imports {name}"
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        for name in _imported_apps(path)
        if name in forbidden
    }
    assert offenders == set()
