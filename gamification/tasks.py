"""django-q2 entry points: thin wrappers around services."""

from .achievements import achievement_backfill
from .leaderboards import leaderboards_refresh
from .models import Achievement


def refresh_leaderboards():
    """Reconcile every board with the XP ledger (scheduled every minute); returns entries corrected."""
    return sum(result.corrected for result in leaderboards_refresh())


def backfill_achievement(achievement_id):
    """Award one achievement to everyone who already qualifies (queued from the admin); returns
    how many learners were awarded, which django-q2 keeps as the task's result.

    Reads the achievement afresh, so an edit made between queueing and running counts; one
    deleted or switched off meanwhile awards nobody.
    """
    achievement = Achievement.objects.filter(pk=achievement_id).first()
    if achievement is None:
        return 0
    return achievement_backfill(achievement)
