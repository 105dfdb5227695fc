"""django-q2 entry points: thin wrappers around services."""

from .services.potd import potd_ensure_upcoming
from .services.sessions import practice_session_expire_stale


def choose_problems_of_the_day():
    return len(potd_ensure_upcoming())


def expire_practice_sessions():
    return practice_session_expire_stale()
