"""django-q2 entry points: thin wrappers around services."""

from .leaderboards import leaderboards_refresh


def refresh_leaderboards():
    """Reconcile every board with the XP ledger (scheduled every minute); returns entries corrected."""
    return sum(result.corrected for result in leaderboards_refresh())
