"""django-q2 entry points: thin wrappers around services."""

import time

from django_q.tasks import async_task

from .achievements import achievement_backfill_part
from .board_refresh import leaderboards_refresh
from .models import Achievement

# django-q2 group of the queued backfills: its admin pages for successful and failed tasks filter on it.
BACKFILL_TASK_GROUP = "achievement-backfill"
# One part of a backfill runs this long at most, well inside the cluster's 60 s task timeout (a
# task past it is killed and retried), and the leaderboard refresh queued behind it waits no longer.
BACKFILL_PART_SECONDS = 20


def refresh_leaderboards():
    """Reconcile every board with the XP ledger (scheduled every minute); returns entries corrected."""
    return sum(result.corrected for result in leaderboards_refresh())


def backfill_achievement(achievement_id, after_profile_id=0, awarded_before=0):
    """Award one achievement to everyone who already qualifies (queued from the admin); returns
    how many learners have been awarded so far, which django-q2 keeps as the task's result.

    Works through the learners in parts of at most BACKFILL_PART_SECONDS, each queueing the next
    (same name and group) until none is left; the last part's result is the total. Reads the
    achievement afresh, so an edit made between queueing and running counts; one deleted or
    switched off meanwhile awards nobody.
    """
    achievement = Achievement.objects.filter(pk=achievement_id).first()
    if achievement is None:
        return awarded_before
    awarded, resume_after = achievement_backfill_part(
        achievement, after_profile_id=after_profile_id, deadline=time.monotonic() + BACKFILL_PART_SECONDS
    )
    total = awarded_before + awarded
    if resume_after is not None:
        async_task(
            backfill_achievement,
            achievement_id,
            resume_after,
            total,
            task_name=backfill_task_name(achievement),
            group=BACKFILL_TASK_GROUP,
        )
    return total


def backfill_task_name(achievement):
    return f"backfill: {achievement.slug}"
