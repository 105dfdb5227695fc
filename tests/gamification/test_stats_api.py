from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from learning.services.submissions import submission_create
from tests.learning.factories import ModuleFactory, ProblemFactory


@pytest.fixture
def problems(db):
    module = ModuleFactory()
    return [ProblemFactory(module=module) for _ in range(6)]


def solve(profile, problems, days_ago, *, now):
    for offset, problem in zip(days_ago, problems, strict=False):
        with time_machine.travel(now - timedelta(days=offset), tick=False):
            submission_create(profile=profile, problem=problem, answer="3/4")


NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_my_stats_show_xp_level_streak_and_next_badge(api_client, learner, problems):
    solve(learner.profile, problems, [2, 1, 0], now=NOW)
    api_client.force_authenticate(learner)
    with time_machine.travel(NOW, tick=False):
        body = api_client.get("/api/v1/me/stats/").json()
    assert body["total_xp"] == 450 and body["problems_solved"] == 3
    assert body["level"] == {"level": 3, "xp_into_level": 150, "xp_for_next_level": 300, "percent": 50}
    assert (body["current_streak"], body["longest_streak"]) == (3, 3)
    assert body["badge"]["slug"] == "beginner" and body["next_badge"]["badge"]["slug"] == "apprentice"
    assert body["next_badge"]["problems_percent"] == 30


def test_a_lapsed_streak_reads_zero_through_the_api(api_client, learner, problems):
    solve(learner.profile, problems, [5], now=NOW)
    api_client.force_authenticate(learner)
    with time_machine.travel(NOW, tick=False):
        assert api_client.get("/api/v1/me/stats/").json()["current_streak"] == 0


def test_ledger_is_paginated_newest_first_with_bounded_queries(
    api_client, learner, problems, django_assert_max_num_queries
):
    solve(learner.profile, problems, [5, 4, 3, 2, 1, 0], now=NOW)
    api_client.force_authenticate(learner)
    with django_assert_max_num_queries(6):
        body = api_client.get("/api/v1/me/xp/?page_size=4").json()
    assert body["count"] == 6 and len(body["results"]) == 4
    dates = [row["created_at"] for row in body["results"]]
    assert dates == sorted(dates, reverse=True)


def test_calendar_marks_active_days_in_the_learners_zone(api_client, learner, problems):
    solve(learner.profile, problems, [3, 1], now=NOW)
    api_client.force_authenticate(learner)
    with time_machine.travel(NOW, tick=False):
        days = api_client.get("/api/v1/me/calendar/?weeks=1").json()
    assert len(days) == 7 and days[-1]["day"] == "2026-11-20"
    states = {d["day"]: (d["state"], d["xp"]) for d in days}
    assert states["2026-11-17"] == ("active", 150) and states["2026-11-19"] == ("active", 150)
    assert states["2026-11-18"] == ("none", 0)


def test_calendar_rejects_silly_ranges(api_client, learner):
    api_client.force_authenticate(learner)
    response = api_client.get("/api/v1/me/calendar/?weeks=500")
    assert response.status_code == 400 and "weeks" in response.json()["error"]["fields"]


def test_badges_list_marks_what_is_held(api_client, learner, problems):
    solve(learner.profile, problems, [0], now=NOW)
    api_client.force_authenticate(learner)
    badges = api_client.get("/api/v1/badges/").json()
    assert [b["slug"] for b in badges][:2] == ["beginner", "apprentice"]
    assert [b["is_earned"] for b in badges] == [True, False, False, False, False, False]


def test_a_parent_reads_a_childs_stats_with_the_profile_header(api_client, parent, child, learner, problems):
    solve(child, problems, [0], now=NOW)
    api_client.force_authenticate(parent)
    assert api_client.get("/api/v1/me/stats/", HTTP_X_PROFILE_ID=str(child.pk)).json()["total_xp"] == 150
    api_client.force_authenticate(learner)
    assert api_client.get("/api/v1/me/stats/", HTTP_X_PROFILE_ID=str(child.pk)).status_code == 404
