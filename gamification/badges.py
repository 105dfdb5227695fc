"""Badges: the cached list and which one a learner's totals reach.

Kept apart from `services` so that modules `services` itself imports (achievements) can credit
XP and move a badge without importing `services` back.
"""

from django.core.cache import cache

from .models import Badge

BADGES_CACHE_KEY = "gamification:badges"


def badge_for(badges, total_xp, problems_solved):
    """The highest badge whose points and problems requirements are both met."""
    reached = [b for b in badges if total_xp >= b.required_points and problems_solved >= b.required_problems]
    return max(reached, key=lambda b: (b.required_points, b.required_problems), default=None)


def badges_all():
    """Every badge, cached: they change only in the admin, which forgets the cache (signals)."""
    badges = cache.get(BADGES_CACHE_KEY)
    if badges is None:
        badges = list(Badge.objects.all())
        cache.set(BADGES_CACHE_KEY, badges, timeout=600)
    return badges


def badges_forget(**kwargs):
    cache.delete(BADGES_CACHE_KEY)
