"""What staff and guardians change outside a learner's own actions reaches every cached figure
at once: badges re-ranked in the admin, backfilled achievement rewards, achievement definitions
retired and recreated, leaderboard visibility switched, and the integrity repair racing an award."""

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Profile
from gamification.achievements import achievement_backfill, achievement_source
from gamification.board_refresh import leaderboard_from_ledger
from gamification.leaderboards import leaderboard_page, leaderboard_rank
from gamification.models import (
    Achievement,
    Badge,
    Board,
    BoardEntry,
    EarnedAchievement,
    ProfileStats,
    XpEntry,
    XpReason,
)
from gamification.services import ActivityEvent, XpAward, activity_record, stats_check, stats_repair
from learning.services.submissions import submission_create
from tests.learning.factories import ProblemFactory

DAY = date(2026, 11, 2)
NOON = datetime(2026, 11, 2, 12, tzinfo=UTC)


def act(profile, *awards, day=DAY, is_public=None):
    occurred = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    public = profile.show_on_leaderboards if is_public is None else is_public
    with transaction.atomic():
        return activity_record(
            event=ActivityEvent(
                profile_id=profile.pk, occurred_at=occurred, local_date=day, awards=awards, is_public=public
            )
        )


def solves(count, start=0, amount=100):
    return [XpAward(amount, XpReason.FIRST_SOLVE, f"first-solve:{n}") for n in range(start, start + count)]


def badge_of(profile):
    return ProfileStats.objects.select_related("badge").get(profile=profile).badge.slug


# Badges ---------------------------------------------------------------------------------------
def test_a_first_action_without_xp_already_holds_beginner_and_integrity_agrees(learner, capsys):
    submission_create(profile=learner.profile, problem=ProblemFactory(), answer="1/2")
    assert badge_of(learner.profile) == "beginner"
    call_command("check_integrity")
    assert "Everything agrees" in capsys.readouterr().out


def test_editing_badges_in_the_admin_re_ranks_every_learner_at_once(client, staff, learner, other_learner):
    act(learner.profile, *solves(10))  # 1,000 XP, 10 solved: Apprentice
    act(other_learner.profile, *solves(3))  # Beginner
    client.force_login(staff)
    apprentice = Badge.objects.get(slug="apprentice")
    form = {
        "slug": "apprentice",
        "name": apprentice.name,
        "icon": apprentice.icon,
        "description": apprentice.description,
        "required_points": 300,
        "required_problems": 3,
    }
    response = client.post(reverse("admin:gamification_badge_change", args=[apprentice.pk]), form, follow=True)
    assert "1 learner changed badge" in response.content.decode()
    assert badge_of(other_learner.profile) == "apprentice" and badge_of(learner.profile) == "apprentice"

    form.update(required_points=2000, required_problems=20)  # harder again: both fall back
    response = client.post(reverse("admin:gamification_badge_change", args=[apprentice.pk]), form, follow=True)
    assert "2 learners changed badge" in response.content.decode()
    assert badge_of(learner.profile) == badge_of(other_learner.profile) == "beginner"
    assert stats_check(learner.profile.pk) == [] and stats_check(other_learner.profile.pk) == []

    client.post(
        reverse("admin:gamification_badge_delete", args=[Badge.objects.get(slug="beginner").pk]), {"post": "yes"}
    )
    assert ProfileStats.objects.get(profile=learner.profile).badge is None  # no badge reached now
    assert stats_check(learner.profile.pk) == []


# Achievements ---------------------------------------------------------------------------------
def test_a_backfilled_reward_is_on_the_boards_at_once(learner, other_learner):
    with_xp_at = NOON
    act(learner.profile, *solves(2))
    act(other_learner.profile, *solves(1, amount=210))
    late = Achievement.objects.create(
        slug="solved-2", name="Two", description="Two solved", rule="problems_solved", threshold=2, xp_reward=30
    )
    assert leaderboard_rank(Board.ALL_TIME, learner.profile.pk, now=with_xp_at).rank == 2
    assert achievement_backfill(late, now=with_xp_at) == 1
    row = leaderboard_rank(Board.ALL_TIME, learner.profile.pk, now=with_xp_at)
    assert (row.rank, row.xp) == (1, 230)
    for board in Board.values:  # no refresh in between
        rows, _ = leaderboard_page(board, now=with_xp_at)
        assert [(r.profile_id, r.xp, r.rank) for r in rows] == leaderboard_from_ledger(board, now=with_xp_at)


def test_an_earned_achievement_cannot_be_deleted_and_a_new_one_may_reuse_its_slug(learner):
    first = Achievement.objects.create(
        slug="first", name="First", description="First solve", rule="first_solve", xp_reward=20
    )
    act(learner.profile, *solves(1))
    with pytest.raises(ProtectedError):
        first.delete()  # history: switch it off instead
    first.slug, first.is_active = "first-2025", False
    first.save()
    again = Achievement.objects.create(
        slug="first", name="Two", description="Two solved", rule="problems_solved", threshold=2, xp_reward=5
    )
    act(learner.profile, *solves(1, start=1))  # earns the new definition; no clash in the ledger
    assert set(EarnedAchievement.objects.filter(profile=learner.profile).values_list("achievement", flat=True)) == {
        first.pk,
        again.pk,
    }
    sources = set(
        XpEntry.objects.filter(profile=learner.profile, reason=XpReason.ACHIEVEMENT).values_list("source", flat=True)
    )
    assert sources == {achievement_source(first), achievement_source(again)}
    assert stats_check(learner.profile.pk) == []


# Leaderboard visibility -------------------------------------------------------------------------
def test_a_parent_opting_a_child_in_and_out_moves_the_boards_at_once(parent, child, learner):
    act(child, *solves(1, amount=300))
    act(learner.profile, *solves(1))
    now = NOON

    def shown():
        return [row.display_name for row in leaderboard_page(Board.ALL_TIME, now=now)[0]]

    assert shown() == ["Lena"]  # children are off public boards until a parent opts them in
    account_services.profile_update(actor=parent, profile=child, show_on_leaderboards=True)
    assert shown() == [child.display_name, "Lena"]
    assert leaderboard_rank(Board.ALL_TIME, learner.profile.pk, now=now).rank == 2
    account_services.profile_update(actor=parent, profile=Profile.objects.get(pk=child.pk), show_on_leaderboards=False)
    assert shown() == ["Lena"] and leaderboard_rank(Board.ALL_TIME, learner.profile.pk, now=now).rank == 1
    assert not BoardEntry.objects.filter(profile=child, is_public=True).exists()


def test_opting_in_before_any_xp_costs_nothing_and_the_first_award_is_public(parent, child):
    account_services.profile_update(actor=parent, profile=child, show_on_leaderboards=True)
    assert not ProfileStats.objects.filter(profile=child).exists()
    act(Profile.objects.get(pk=child.pk), *solves(1))
    assert [row.profile_id for row in leaderboard_page(Board.ALL_TIME, now=NOON)[0]] == [child.pk]


# Integrity repair ---------------------------------------------------------------------------------
def test_the_repair_recomputes_under_the_stats_lock(learner, monkeypatch):
    act(learner.profile, *solves(2))
    ProfileStats.objects.filter(profile=learner.profile).update(total_xp=1)
    drift = stats_check(learner.profile.pk)
    assert [d.field for d in drift] == ["total_xp"]
    # An award that commits after the drift was found and before the repair runs is counted:
    # the repair reads the facts again once it holds the lock.
    act(learner.profile, *solves(1, start=2))
    stats_repair(learner.profile.pk)
    assert ProfileStats.objects.get(profile=learner.profile).total_xp == 300
    assert stats_check(learner.profile.pk) == []


def test_a_user_without_a_profile_is_reported_and_a_profile_without_owner_is_refused(learner, capsys):
    Profile.objects.filter(user=learner).delete()
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_integrity")
    assert exit_info.value.code == 1 and f"user {learner.pk} has no profile" in capsys.readouterr().out
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(display_name="Nobody's")
