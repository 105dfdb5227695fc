"""Celebrations shown once on the learner's next page: level ups, new badges, streak freezes
earned and achievements.

`celebrations_record` is called by `activity_record` inside the action's transaction; pages
take the unseen ones through the context processor (gamification/context_processors.py),
which marks them seen as it shows them.
"""

from django.utils import timezone

from accounts.rows import rows_insert

from .models import Celebration

MAX_SHOWN = 10


def celebrations_for_change(
    *, profile_id, level_before, level_after, badge_before, badge_after, earned=(), earned_freeze=False, batch=None
):
    """Write a Celebration for each thing worth celebrating in one change of a learner's stats.

    One INSERT when there is something, no query otherwise; with a `batch`
    (accounts.rows.WriteBatch) the INSERT joins it and the rows get no ids. Caller is inside
    the transaction that made the change, so celebrations commit with it. Returns the rows.
    """
    rows = []
    if level_after > level_before:
        rows.append(Celebration(kind=Celebration.Kind.LEVEL_UP, title=f"Level {level_after}!", icon="⭐"))
    if _is_promotion(badge_before, badge_after):
        rows.append(
            Celebration(
                kind=Celebration.Kind.BADGE,
                title=f"New badge: {badge_after.name}",
                body=badge_after.description,
                icon=badge_after.icon,
            )
        )
    if earned_freeze:
        rows.append(
            Celebration(
                kind=Celebration.Kind.FREEZE,
                title="Streak freeze earned",
                body="A missed day will not break your streak.",
                icon="❄️",
            )
        )
    for row in earned:
        achievement = row.achievement
        reward = f" +{achievement.xp_reward} XP." if achievement.xp_reward else ""
        rows.append(
            Celebration(
                kind=Celebration.Kind.ACHIEVEMENT,
                title=f"Achievement: {achievement.name}",
                body=f"{achievement.description}{reward}"[:240],
                icon=achievement.icon,
            )
        )
    if not rows:
        return []
    for row in rows:
        row.profile_id = profile_id
    if batch is not None:
        batch.insert(rows)
        return rows
    return rows_insert(rows)


def _rank(badge):
    return (badge.required_points, badge.required_problems) if badge is not None else (-1, -1)


def _is_promotion(before, after):
    """A higher badge than before, and not the one every learner holds from the start (no
    requirements): re-ranked badges can move a learner down, which is no party."""
    return after is not None and _rank(after) > max(_rank(before), (0, 0))


def celebrations_record(*, profile_id, outcome, earned, batch=None):
    """Celebrate what one learner action (an ActivityOutcome) brought: see
    `celebrations_for_change`."""
    return celebrations_for_change(
        batch=batch,
        profile_id=profile_id,
        level_before=outcome.level_before,
        level_after=outcome.level_after,
        badge_before=outcome.badge_before,
        badge_after=outcome.badge_after,
        earned=earned,
        earned_freeze=outcome.earned_freeze,
    )


def celebrations_take(*, profile_id, now=None):
    """The learner's unseen celebrations, oldest first (at most MAX_SHOWN), marked seen.

    One SELECT, plus one UPDATE when there are some. Two tabs racing may both show one; the
    conditional UPDATE keeps `seen_at` the first showing.
    """
    shown = list(
        Celebration.objects.filter(profile_id=profile_id, seen_at__isnull=True).order_by("created_at", "pk")[:MAX_SHOWN]
    )
    if shown:
        Celebration.objects.filter(pk__in=[c.pk for c in shown], seen_at__isnull=True).update(
            seen_at=now or timezone.now()
        )
    return shown
