"""Leaderboards: ranking and tie-breaks, UTC periods, who is shown, paging, my own place, the
scheduled reconciliation with the ledger, rollover, the replaced design's failures, query
budgets, and awards racing on PostgreSQL."""

import importlib
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import Schedule

from accounts import services as account_services
from gamification import board_refresh
from gamification.board_refresh import leaderboard_from_ledger, leaderboards_refresh
from gamification.leaderboards import (
    ALL_TIME_PERIOD,
    board_freshness,
    leaderboard_page,
    leaderboard_rank,
    leaderboard_record,
    period_start,
    score_buckets,
)
from gamification.models import (
    Achievement,
    BoardEntry,
    BoardRefresh,
    BoardScoreCount,
    ProfileStats,
    XpEntry,
    XpReason,
)
from gamification.services import ActivityEvent, XpAward, activity_record
from learning.services.submissions import submission_create
from tests.concurrency import race
from tests.conftest import make_user
from tests.learning.factories import ProblemFactory

# A Wednesday in the middle of a month, so week and month boundaries are explicit below.
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
_sources = itertools.count()


@pytest.fixture(autouse=True)
def no_achievement_rewards(db):
    """Achievement rewards are XP too (and reach the boards the same way); switched off here so
    the amounts below are exactly the awards made. The many-awards test switches them back on."""
    Achievement.objects.update(is_active=False)


def award(profile, amount, at=NOW, *, is_public=None):
    """Credit XP through the real service, as every learner action does."""
    with transaction.atomic():
        return activity_record(
            event=ActivityEvent(
                profile_id=profile.pk,
                occurred_at=at,
                local_date=at.date(),
                awards=(XpAward(amount, XpReason.FIRST_SOLVE, f"test:{next(_sources)}"),),
                is_public=profile.show_on_leaderboards if is_public is None else is_public,
            )
        )


def learners(count, prefix="l"):
    return [make_user(f"{prefix}{n}@example.com", display_name=f"{prefix.upper()}{n}").profile for n in range(count)]


def ranks(board, now=NOW, per_page=100):
    rows, _ = leaderboard_page(board, now=now, per_page=per_page)
    return [(row.display_name, row.xp, row.rank) for row in rows]


def assert_boards_match_ledger(now=NOW):
    for board in ("all", "week", "month"):
        rows, total = leaderboard_page(board, now=now, per_page=10_000)
        assert [(r.profile_id, r.xp, r.rank) for r in rows] == leaderboard_from_ledger(board, now=now), board
        assert total == len(rows)
        # Each learner's own rank (summed from the score counts) agrees with the page's RANK().
        assert [leaderboard_rank(board, r.profile_id, now=now).rank for r in rows] == [r.rank for r in rows], board
    assert_score_counts_match_entries()


def assert_score_counts_match_entries():
    """Every non-zero BoardScoreCount equals a count of the public entries in its bucket."""
    expected = {}
    for board, start, xp in BoardEntry.objects.filter(is_public=True).values_list("board", "period_start", "xp"):
        for level, bucket in score_buckets(xp):
            key = (board, start, level, bucket)
            expected[key] = expected.get(key, 0) + 1
    kept = BoardScoreCount.objects.exclude(learners=0).values_list(
        "board", "period_start", "level", "bucket", "learners"
    )
    assert {(b, s, lv, bk): n for b, s, lv, bk, n in kept} == expected


# Periods --------------------------------------------------------------------------------------


def test_periods_are_utc_iso_weeks_and_calendar_months():
    assert period_start("week", NOW) == date(2025, 3, 10)
    assert period_start("month", NOW) == date(2025, 3, 1)
    assert period_start("all", NOW) == ALL_TIME_PERIOD
    # 00:30 on Monday in Tokyo is still Sunday in UTC: last week.
    tokyo_monday = datetime(2025, 3, 10, 0, 30, tzinfo=UTC) - timedelta(hours=9)
    assert period_start("week", tokyo_monday) == date(2025, 3, 3)
    with pytest.raises(ValueError):
        period_start("year", NOW)


def test_awards_either_side_of_a_week_and_month_boundary_land_in_their_own_periods(db):
    lena = learners(1)[0]
    sunday_night = datetime(2025, 3, 2, 23, 59, 59, tzinfo=UTC)  # last Sunday of the week of 24 Feb and in March
    award(lena, 10, datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC))  # Friday 28 Feb: February, week of 24 Feb
    award(lena, 20, sunday_night)
    award(lena, 40, datetime(2025, 3, 3, 0, 0, tzinfo=UTC))  # Monday: new week
    entries = {(e.board, e.period_start): e.xp for e in BoardEntry.objects.filter(profile=lena)}
    assert entries == {
        ("all", ALL_TIME_PERIOD): 70,
        ("week", date(2025, 2, 24)): 30,
        ("week", date(2025, 3, 3)): 40,
        ("month", date(2025, 2, 1)): 10,
        ("month", date(2025, 3, 1)): 60,
    }
    assert_boards_match_ledger(now=datetime(2025, 3, 4, tzinfo=UTC))


# Ranking --------------------------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips(db):
    a, b, c, d = learners(4)
    award(a, 300)
    award(b, 200)
    award(c, 200)  # same XP, same streak, reached at the same instant: a true tie
    award(d, 100)
    assert [rank for _, _, rank in ranks("week")] == [1, 2, 2, 4]
    assert leaderboard_rank("week", c.pk, now=NOW).rank == 2
    assert leaderboard_rank("week", d.pk, now=NOW).rank == 4
    assert_boards_match_ledger()


def test_ties_are_broken_by_longest_streak_then_by_who_got_there_first(db):
    early, late, streaky = learners(3)
    award(early, 100, NOW - timedelta(hours=2))
    award(late, 100, NOW - timedelta(hours=1))
    # Three days in a row: a longer streak, same XP in total.
    for days_ago, amount in ((2, 30), (1, 30), (0, 40)):
        award(streaky, amount, NOW - timedelta(days=days_ago, hours=3))
    assert [name for name, _, _ in ranks("week")] == ["L2", "L0", "L1"]
    assert [rank for _, _, rank in ranks("week")] == [1, 2, 3]
    assert_boards_match_ledger()


def test_learners_without_points_in_the_period_are_not_on_its_board(db):
    """The replaced design ranked a NULL weekly sum above every real score."""
    active, idle = learners(2)
    award(idle, 500, NOW - timedelta(days=14))  # points two weeks ago, none this week
    award(active, 10)
    assert ranks("week") == [("L0", 10, 1)]
    assert ranks("all") == [("L1", 500, 1), ("L0", 10, 2)]
    leaderboards_refresh(now=NOW)
    assert ranks("week") == [("L0", 10, 1)]
    assert leaderboard_rank("week", idle.pk, now=NOW) is None


# Who is shown ---------------------------------------------------------------------------------


def test_managed_children_stay_off_public_boards_unless_a_guardian_opts_in(parent, child, learner):
    award(child, 100)
    award(learner.profile, 50)
    assert [name for name, _, _ in ranks("week")] == ["Lena"]
    # The child still sees the place they would have.
    assert leaderboard_rank("week", child.pk, now=NOW).rank == 1
    account_services.profile_update(actor=parent, profile=child, show_on_leaderboards=True)
    child.refresh_from_db()
    leaderboards_refresh(now=NOW)  # a change of visibility reaches every board within a minute
    assert [name for name, _, _ in ranks("week")] == ["Kit", "Lena"]
    award(child, 5)
    assert BoardEntry.objects.filter(profile=child, is_public=True).count() == 3
    assert_boards_match_ledger()


def test_only_a_guardian_or_the_owner_may_change_leaderboard_visibility(parent, child, other_parent, learner):
    with pytest.raises(Exception):  # noqa: B017 - NotFound or PermissionDenied, whichever the rules say
        account_services.profile_update(actor=other_parent, profile=child, show_on_leaderboards=True)
    account_services.profile_update(actor=learner, profile=learner.profile, show_on_leaderboards=False)
    learner.profile.refresh_from_db()
    assert learner.profile.show_on_leaderboards is False


# Paging and my place ---------------------------------------------------------------------------


def test_pages_of_a_board_and_my_rank_beyond_the_top_100(db):
    profiles = learners(105)
    for n, profile in enumerate(profiles):
        award(profile, 1000 - n)
    last = profiles[-1]
    rows, total = leaderboard_page("week", now=NOW, me_profile_id=last.pk)
    assert total == 105 and len(rows) == 100 and not any(row.is_me for row in rows)
    assert leaderboard_rank("week", last.pk, now=NOW).rank == 105
    second, _ = leaderboard_page("week", page=2, now=NOW, me_profile_id=last.pk)
    assert [row.rank for row in second] == [101, 102, 103, 104, 105] and second[-1].is_me
    assert leaderboard_page("week", page=3, now=NOW)[0] == []


def test_a_tie_across_a_page_boundary_keeps_the_same_rank(db):
    profiles = learners(4)
    for profile in profiles:
        award(profile, 100)
    page_two, total = leaderboard_page("all", page=2, per_page=2, now=NOW)
    assert total == 4 and [row.rank for row in page_two] == [1, 1]


# Refresh --------------------------------------------------------------------------------------


def test_refresh_reconciles_drift_with_the_ledger_and_is_idempotent(db):
    a, b, c = learners(3)
    award(a, 100)
    award(b, 200)
    award(c, 300)
    BoardEntry.objects.filter(profile=a, board="week").update(xp=9999)  # tampered
    BoardEntry.objects.filter(profile=b, board="month").delete()  # lost
    BoardEntry.objects.filter(profile=c, board="all").update(longest_streak=42, is_public=False)
    stranger = learners(1, "x")[0]  # an entry with no XP in the ledger at all
    BoardEntry.objects.create(board="week", period_start=date(2025, 3, 10), profile=stranger, xp=5, reached_at=NOW)
    results = {r.board: r for r in leaderboards_refresh(now=NOW)}
    assert {board: r.corrected for board, r in results.items()} == {"all": 1, "week": 2, "month": 1}
    assert_boards_match_ledger()
    assert [r.corrected for r in leaderboards_refresh(now=NOW)] == [0, 0, 0]
    assert board_freshness("week", now=NOW) == NOW
    assert BoardRefresh.objects.get(board="week", period_start=date(2025, 3, 10)).rows == 3


def test_a_new_week_starts_empty_and_old_periods_are_pruned(db):
    lena, omar = learners(2)
    award(lena, 100)
    leaderboards_refresh(now=NOW)
    next_week = NOW + timedelta(days=7)
    assert ranks("week", now=next_week) == []  # nobody has earned anything yet this week
    assert ranks("all", now=next_week) == [("L0", 100, 1)]
    award(omar, 10, next_week)
    assert ranks("week", now=next_week) == [("L1", 10, 1)]
    leaderboards_refresh(now=next_week)
    assert BoardEntry.objects.filter(board="week", period_start=date(2025, 3, 10)).exists()  # the previous week stays
    leaderboards_refresh(now=NOW + timedelta(days=14))
    assert not BoardEntry.objects.filter(board="week", period_start=date(2025, 3, 10)).exists()
    assert_boards_match_ledger(now=NOW + timedelta(days=14))


def test_reading_a_board_during_a_refresh_is_never_empty(db, monkeypatch):
    profiles = learners(3)
    for profile in profiles:
        award(profile, 10)
    seen = []

    def reading_between(step):
        def spied(*args, **kwargs):
            rows, total = leaderboard_page("week", now=NOW)
            seen.append((len(rows), total))
            return step(*args, **kwargs)

        return spied

    for name in ("_reconcile_entries", "_reconcile_counts"):
        monkeypatch.setattr(board_refresh, name, reading_between(getattr(board_refresh, name)))
    BoardEntry.objects.filter(profile=profiles[0], board="week").update(xp=1)
    leaderboards_refresh(now=NOW)
    assert seen and all(seen_now == (3, 3) for seen_now in seen)


# The replaced design's failures ------------------------------------------------------------------


def test_weekly_points_are_not_multiplied_by_submissions_and_progress_rows(learner):
    """The replaced design joined submissions and progress in one grouping and multiplied sums."""
    profile = learner.profile
    problems = [ProblemFactory() for _ in range(3)]
    for problem in problems:
        submission_create(profile=profile, problem=problem, answer="1/2")  # wrong first
        submission_create(profile=profile, problem=problem, answer="3/4")
        submission_create(profile=profile, problem=problem, answer="3/4")  # again: no new points
    ledger = sum(XpEntry.objects.filter(profile=profile).values_list("amount", flat=True))
    row = leaderboard_rank("week", profile.pk)
    assert row.xp == ledger == ProfileStats.objects.get(profile=profile).total_xp
    assert leaderboard_rank("month", profile.pk).xp == leaderboard_rank("all", profile.pk).xp == ledger
    assert_boards_match_ledger(now=None)


def test_a_first_correct_submission_without_a_progress_row_reaches_the_boards(learner):
    """The replaced design updated nothing when no progress row existed yet."""
    problem = ProblemFactory()
    result = submission_create(profile=learner.profile, problem=problem, answer="3/4")
    assert result.submission.points_awarded > 0
    for board in ("all", "week", "month"):
        row = leaderboard_rank(board, learner.profile.pk)
        assert row is not None and row.xp == result.submission.points_awarded and row.rank == 1


def test_boards_equal_the_ledger_after_many_awards(db):
    Achievement.objects.update(is_active=True)
    profiles = learners(12)
    moments = [NOW - timedelta(days=d, hours=h) for d in range(0, 40, 3) for h in (1, 5)]
    for n, (profile, moment) in enumerate(zip(itertools.cycle(profiles), moments * 3, strict=False)):
        award(profile, 10 + (n * 37) % 90, moment)
    assert_boards_match_ledger()
    leaderboards_refresh(now=NOW)
    assert all(r.corrected == 0 for r in leaderboards_refresh(now=NOW))
    assert_boards_match_ledger()


def test_ranks_stay_exact_as_scores_cross_every_bucket_width(db):
    """Scores around the 64- and 4,096-wide bucket edges, ties, and learners flipping visibility:
    every learner's own rank (from the score counts) equals a ranking of the ledger."""
    profiles = learners(9)
    amounts = [63, 1, 64, 4031, 65, 4096, 1, 5000, 63, 127, 8191, 1]
    for n, amount in enumerate(amounts * 2):
        profile = profiles[(n * 4) % len(profiles)]
        award(profile, amount, NOW - timedelta(hours=n))
    award(profiles[1], 63, NOW)  # a tie on XP with another learner
    award(profiles[2], 10, NOW, is_public=False)  # opted out: entries and counts follow
    ProfileStats.objects.filter(profile=profiles[2]).update(board_is_public=False)
    profiles[2].show_on_leaderboards = False
    profiles[2].save(update_fields=["show_on_leaderboards"])
    assert_boards_match_ledger()
    hidden = leaderboard_rank("all", profiles[2].pk, now=NOW)
    better = sum(1 for row in leaderboard_page("all", now=NOW, per_page=100)[0] if row.xp > hidden.xp)
    assert hidden.rank == better + 1  # the place they would have among the public learners


def test_refresh_repairs_drifted_score_counts_and_drops_empty_buckets(db):
    a, b = learners(2)
    award(a, 100)
    award(b, 5000)
    BoardScoreCount.objects.filter(board="all", level=0, bucket=100).update(learners=7)  # tampered
    BoardScoreCount.objects.filter(board="week", level=2).delete()  # lost
    BoardScoreCount.objects.create(board="month", period_start=date(2025, 3, 1), level=0, bucket=3, learners=2)
    leaderboards_refresh(now=NOW)
    assert_boards_match_ledger()
    assert not BoardScoreCount.objects.filter(learners=0).exists()
    assert leaderboard_page("week", now=NOW)[1] == 2
    assert leaderboard_rank("all", a.pk, now=NOW).rank == 2


def test_the_migration_counts_the_entries_boards_already_had(db):
    migration = importlib.import_module("gamification.migrations.0006_board_score_counts")
    for n, profile in enumerate(learners(5)):
        award(profile, 40 * n + 30)
    BoardScoreCount.objects.all().delete()
    migration.count_existing_entries(django_apps, None)
    assert_boards_match_ledger()


# Query budgets --------------------------------------------------------------------------------


def test_recording_an_award_is_one_round_trip_and_nothing_when_nothing_changed(db):
    lena = learners(1)[0]
    award(lena, 10)
    stats = ProfileStats.objects.get(profile=lena)
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        leaderboard_record(stats=stats, gained=5, occurred_at=NOW, is_public=True)
    # Read the learner's entries, upsert them, add the score-count deltas: one statement on
    # PostgreSQL (data-modifying CTEs), three on SQLite.
    expected = 1 if connection.vendor == "postgresql" else 3
    assert len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]) == expected
    assert BoardEntry.objects.get(profile=lena, board="all").xp == 15
    assert_score_counts_match_entries()
    with CaptureQueriesContext(connection) as ctx:
        leaderboard_record(stats=stats, gained=0, occurred_at=NOW, is_public=True)
    assert len(ctx.captured_queries) == 0
    # Visibility changed without XP: existing entries follow, none are created.
    leaderboard_record(stats=stats, gained=0, occurred_at=NOW + timedelta(days=40), is_public=False)
    assert set(BoardEntry.objects.filter(profile=lena).values_list("is_public", flat=True)) == {False}
    assert BoardEntry.objects.filter(profile=lena).count() == 3
    assert BoardEntry.objects.get(profile=lena, board="week").xp == 15
    assert_score_counts_match_entries()


def test_the_leaderboard_page_and_api_stay_within_their_query_budgets(client, learner, django_assert_max_num_queries):
    profiles = learners(30)
    for n, profile in enumerate(profiles):
        award(profile, 100 + n, datetime.now(UTC))
    award(learner.profile, 1, datetime.now(UTC))
    leaderboards_refresh()
    client.force_login(learner)
    client.get(reverse("leaderboards:board"))  # warm the session and the active profile
    # Session, user, active profile, the header's picker and celebrations, then the board: the
    # page, its size, its freshness, and (when I am not on the page) my entry and rank.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("leaderboards:board"), {"board": "all", "page": 1})
    page = response.content.decode()
    assert response.status_code == 200 and "L29" in page and 'class="is-me"' in page
    assert "Checked against the XP ledger" in page
    with django_assert_max_num_queries(8):
        body = client.get(reverse("leaderboards_api:board", kwargs={"board": "week"})).json()
    assert body["count"] == 31 and body["results"][0]["display_name"] == "L29" and body["results"][-1]["is_me"]
    assert body["results"][-1]["rank"] == 31 and body["refreshed_at"]
    with django_assert_max_num_queries(8):
        me = client.get(reverse("leaderboards_api:board-me", kwargs={"board": "month"})).json()
    assert me["row"]["rank"] == 31 and me["is_public"] is True


def test_an_unknown_board_is_a_404_with_the_error_envelope(client, learner):
    client.force_login(learner)
    response = client.get(reverse("leaderboards_api:board", kwargs={"board": "year"}))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.get(reverse("leaderboards:board"), {"board": "year"}).status_code == 200  # the page falls back


def test_the_refresh_task_is_scheduled_every_minute(db):
    call_command("setup_schedules")
    schedule = Schedule.objects.get(name="gamification: refresh leaderboards")
    assert schedule.func == "gamification.tasks.refresh_leaderboards" and schedule.minutes == 1


# Concurrency (PostgreSQL) ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_awards_and_a_refresh_keep_the_boards_equal_to_the_ledger():
    racer = make_user("racer@example.com", display_name="Racer").profile
    others = learners(4, "o")
    problems = [ProblemFactory() for _ in range(8)]

    def run(index):
        if index < 8:
            return submission_create(profile=racer, problem=problems[index], answer="3/4")
        if index < 12:
            return submission_create(profile=others[index - 8], problem=problems[index - 8], answer="3/4")
        return leaderboards_refresh()

    outcomes = race(13, run)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert BoardEntry.objects.get(profile=racer, board="all").xp == 8 * 150
    assert_boards_match_ledger(now=None)
    leaderboards_refresh()
    assert all(r.corrected == 0 for r in leaderboards_refresh())
