from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gamification.levels import level_for_xp
from gamification.models import ActivityDay, XpEntry
from learning.services import goals, sessions
from learning.services.submissions import submission_create

from .factories import ModuleFactory, ProblemFactory


@pytest.fixture
def module(db):
    module = ModuleFactory(title="Fractions")
    for _ in range(12):
        ProblemFactory(module=module)
    return module


def solve_on_days(profile, problems, days):
    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    for offset, problem in zip(days, problems, strict=False):
        with time_machine.travel(start + timedelta(days=offset), tick=False):
            submission_create(profile=profile, problem=problem, answer="3/4")
            submission_create(profile=profile, problem=problem, answer="1/2")


def test_dashboard_shows_level_streak_goal_and_charts(client, learner, module):
    goals.daily_goal_set(profile=learner.profile, level="casual")
    problems = list(module.problems.all())
    solve_on_days(learner.profile, problems, range(3))
    client.force_login(learner)
    with time_machine.travel(datetime(2026, 11, 3, 18, tzinfo=UTC), tick=False):
        body = client.get("/").content.decode()
    total = sum(XpEntry.objects.filter(profile=learner.profile).values_list("amount", flat=True))
    assert total >= 3 * 150 + 3 * 25  # three first solves and three daily goals met
    assert f"Level {level_for_xp(total)}" in body and f"{total} XP" in body
    assert '<strong class="streak-number">3</strong>' in body
    assert "Goal met" in body
    assert body.count('class="cal cal-') == 84  # 12 weeks drawn as SVG, no script needed
    assert body.count('class="xp-bar') == 30
    assert "Tue 3 Nov: " in body and "Wed 4 Nov: no practice" not in body


def test_a_lapsed_streak_reads_zero_on_the_dashboard(client, learner, module):
    solve_on_days(learner.profile, list(module.problems.all()), range(2))
    client.force_login(learner)
    with time_machine.travel(datetime(2026, 11, 6, 12, tzinfo=UTC), tick=False):
        body = client.get("/").content.decode()
    assert '<strong class="streak-number">0</strong>' in body and "Best 2" in body


def _dashboard_queries(client):
    """Statements of a second view of the dashboard: the first one of the day may pick the day's
    problem (the scheduled task normally has) and shows the celebrations waiting."""
    assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_does_not_grow_with_history(client, learner, module, django_assert_max_num_queries):
    client.force_login(learner)
    with django_assert_max_num_queries(20):
        assert client.get("/").status_code == 200
    problems = list(module.problems.all())
    goals.daily_goal_set(profile=learner.profile, level="casual")
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False):
        submission_create(profile=learner.profile, problem=problems[0], answer="3/4")
    with time_machine.travel(datetime(2026, 10, 20, 13, tzinfo=UTC), tick=False):
        one_solve = _dashboard_queries(client)
    # Weeks of history: daily solves with a freeze-covered gap, practice sessions, achievements,
    # a place on this week's board.
    solve_on_days(learner.profile, problems[1:], [0, 1, 2, 3, 4, 5, 6, 8, 9, 10])
    with time_machine.travel(datetime(2026, 11, 11, 12, tzinfo=UTC), tick=False):
        session = sessions.practice_session_start(profile=learner.profile, kind="module", module=module, size=2)
        sessions.practice_session_answer(profile=learner.profile, session=session, answer="3/4")
        sessions.practice_session_end(profile=learner.profile, session=session)
    assert ActivityDay.objects.filter(profile=learner.profile, is_frozen=True).exists()
    with time_machine.travel(datetime(2026, 11, 11, 13, tzinfo=UTC), tick=False):
        assert _dashboard_queries(client) == one_solve <= 20


def test_the_dashboard_shows_this_weeks_rank(client, learner, other_learner, module):
    problems = list(module.problems.all())
    monday = datetime(2026, 11, 9, 12, tzinfo=UTC)
    with time_machine.travel(monday, tick=False):
        for problem in problems[:2]:
            submission_create(profile=other_learner.profile, problem=problem, answer="3/4")
        submission_create(profile=learner.profile, problem=problems[0], answer="3/4")
    client.force_login(learner)
    with time_machine.travel(monday + timedelta(days=2), tick=False):
        body = client.get("/").content.decode()
    assert '<p class="dash-rank-number"><strong>#2</strong></p>' in body
    assert "150 XP this week · 2 learners on the board" in body
    with time_machine.travel(monday + timedelta(days=7), tick=False):  # a new week: no place yet
        assert "No XP yet this week" in client.get("/").content.decode()


def test_a_parent_acting_as_a_child_sees_the_childs_dashboard(client, parent, child, module):
    client.force_login(parent)
    client.post("/acting/switch/", {"profile_id": child.pk})
    submission_create(profile=child, problem=module.problems.first(), answer="3/4")
    body = client.get("/").content.decode()
    assert "Learning now" in body and child.display_name in body and "150 XP" in body


def test_visitors_get_the_landing_page(client, db):
    body = client.get("/").content.decode()
    assert "Sign up free" in body and "streak-number" not in body


def test_a_linked_teacher_follows_a_learners_progress_read_only(client, teacher, learner, module):
    from accounts import services
    from accounts.models import LinkRole

    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    services.link_code_accept(user=learner, code=code.code)
    submission_create(profile=learner.profile, problem=module.problems.first(), answer="3/4")
    client.force_login(teacher)
    body = client.get(f"/learn/learners/{learner.profile.pk}/").content.decode()
    assert "Lena" in body and "150 XP" in body and "Start practising" not in body


def test_content_sync_refuses_a_module_slug_that_is_a_page(db, tmp_path):
    from learning.services.content import ContentError, load_content

    (tmp_path / "x.toml").write_text('[module]\nslug = "history"\ntitle = "History"\norder = 1\n')
    with pytest.raises(ContentError) as error:
        load_content(tmp_path)
    assert "reserved" in str(error.value)
