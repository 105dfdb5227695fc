"""Everything the learner's home page shows, gathered with a fixed number of queries."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from gamification import charts
from gamification.leaderboards import leaderboard_rank, leaderboard_size
from gamification.levels import level_progress
from gamification.models import Board
from gamification.selectors import achievements_recent_for, activity_between, badge_progress, xp_by_day
from gamification.services import stats_for, streak_as_of

from .models import Goal, PracticeSession, ProblemOfTheDayCompletion
from .services.goals import goals_progress_for
from .services.potd import potd_for_profile

CALENDAR_WEEKS = 12
CHART_DAYS = 30
RECENT_ACHIEVEMENTS = 3


@dataclass(frozen=True)
class Dashboard:
    profile: object
    today: object
    stats: object
    streak: int
    level: object
    badge: object
    calendar: object
    chart: object
    goals: list
    daily_goal: object
    daily_ring: object
    potd: object
    potd_done: bool
    recent_sessions: list
    recent_achievements: list
    weekly_rank: object  # a BoardRow, or None without XP this week
    weekly_size: int


def dashboard_for(profile, now=None):
    """The dashboard of `profile` as of `now`. About a dozen queries, whatever the history."""
    now = now or timezone.now()
    today = profile.local_today(now)
    stats = stats_for(profile)
    first_day = today - timedelta(days=today.weekday()) - timedelta(weeks=CALENDAR_WEEKS - 1)
    xp = xp_by_day(profile, start=first_day, end=today)
    activity = activity_between(profile, start=first_day, end=today)
    goals = goals_progress_for(profile, now=now)
    daily = next((g for g in goals if g.goal.kind == Goal.Kind.DAILY_POINTS), None)
    potd = potd_for_profile(profile, now)
    potd_done = bool(
        potd and ProblemOfTheDayCompletion.objects.filter(profile=profile, problem_of_the_day=potd).exists()
    )
    sessions = list(
        PracticeSession.objects.filter(profile=profile).select_related("module").order_by("-started_at")[:5]
    )
    # Every achievement needs some activity, so a newcomer costs no query here.
    recent_achievements = achievements_recent_for(profile, limit=RECENT_ACHIEVEMENTS) if stats.last_active_on else []
    # No XP at all means no place on this week's board either.
    weekly_rank = leaderboard_rank(Board.WEEK, profile.pk, now=now) if stats.total_xp else None
    return Dashboard(
        profile=profile,
        today=today,
        stats=stats,
        streak=streak_as_of(stats, today),
        level=level_progress(stats.total_xp),
        badge=badge_progress(stats),
        calendar=charts.activity_calendar(today=today, activity=activity, xp=xp, weeks=CALENDAR_WEEKS),
        chart=charts.xp_chart(today=today, xp=xp, days=CHART_DAYS),
        goals=goals,
        daily_goal=daily,
        daily_ring=charts.progress_ring(daily.percent if daily else 0),
        potd=potd,
        potd_done=potd_done,
        recent_sessions=sessions,
        recent_achievements=recent_achievements,
        weekly_rank=weekly_rank,
        weekly_size=leaderboard_size(Board.WEEK, now=now) if weekly_rank else 0,
    )
