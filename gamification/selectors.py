"""Reads for dashboards and charts; each is one query whatever the learner's history."""

from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery, Sum

from .models import Achievement, ActivityDay, EarnedAchievement, XpEntry
from .services import badges_all


def xp_by_day(profile, *, start, end):
    """{local date: XP earned} for start ≤ date ≤ end (the learner's own calendar)."""
    rows = (
        XpEntry.objects.filter(profile=profile, earned_on__gte=start, earned_on__lte=end)
        .values("earned_on")
        .annotate(total=Sum("amount"))
        .values_list("earned_on", "total")
    )
    return dict(rows)


def activity_between(profile, *, start, end):
    """{local date: is_frozen} for the learner's active or frozen days between the dates."""
    rows = ActivityDay.objects.filter(profile=profile, day__gte=start, day__lte=end).values_list("day", "is_frozen")
    return dict(rows)


@dataclass(frozen=True)
class BadgeProgress:
    current: object
    next: object
    points_percent: int
    problems_percent: int

    @property
    def percent(self):
        """Progress to the next badge: the lagging requirement decides."""
        return min(self.points_percent, self.problems_percent)


def badge_progress(stats):
    """The learner's badge, the next one, and how far along both requirements they are."""
    current = (stats.badge.required_points, stats.badge.required_problems) if stats.badge else (-1, -1)
    upcoming = [b for b in badges_all() if (b.required_points, b.required_problems) > current]
    following = min(upcoming, key=lambda b: (b.required_points, b.required_problems), default=None)
    if following is None:
        return BadgeProgress(stats.badge, None, 100, 100)

    def share(have, need):
        return 100 if need <= 0 else min(100, round(100 * have / need))

    return BadgeProgress(
        stats.badge,
        following,
        share(stats.total_xp, following.required_points),
        share(stats.problems_solved, following.required_problems),
    )


def achievement_list_for(profile):
    """Every active achievement, plus inactive ones the learner already earned, each with
    `earned_at` (None when not earned yet), in display order. One query."""
    earned = EarnedAchievement.objects.filter(profile=profile, achievement=OuterRef("pk")).values("earned_at")[:1]
    return list(
        Achievement.objects.annotate(earned_at=Subquery(earned))
        .filter(Q(is_active=True) | Q(earned_at__isnull=False))
        .order_by("display_order", "pk")
    )


def achievements_recent_for(profile, *, limit=3):
    """The learner's most recently earned achievements (EarnedAchievement with `achievement`). One query."""
    return list(
        EarnedAchievement.objects.filter(profile=profile).select_related("achievement").order_by("-earned_at")[:limit]
    )
