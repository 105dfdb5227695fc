"""Badges: the cached list and which one a learner's totals reach.

Kept apart from `services` so that modules `services` itself imports (achievements) can credit
XP and move a badge without importing `services` back.
"""

from django.core.cache import cache
from django.db.models import F, OuterRef, Q, Subquery

from accounts.memo import ProcessMemo

from .models import Badge, ProfileStats

BADGES_CACHE_KEY = "gamification:badges"


def badge_for(badges, total_xp, problems_solved):
    """The highest badge whose points and problems requirements are both met."""
    reached = [b for b in badges if total_xp >= b.required_points and problems_solved >= b.required_problems]
    return max(reached, key=lambda b: (b.required_points, b.required_problems), default=None)


# In front of the shared cache: every learner action reads the badges (accounts.memo).
_badges_memo = ProcessMemo(seconds=5)


def badges_all():
    """Every badge, cached: they change only in the admin, which forgets the cache (signals).
    The list is shared: read it, never change its badges."""
    return _badges_memo.get(BADGES_CACHE_KEY, _badges_load)


def _badges_load():
    badges = cache.get(BADGES_CACHE_KEY)
    if badges is None:
        badges = list(Badge.objects.all())
        cache.set(BADGES_CACHE_KEY, badges, timeout=600)
    return badges


def badges_forget(**kwargs):
    cache.delete(BADGES_CACHE_KEY)
    _badges_memo.forget()


def badges_reassign():
    """Give every learner the badge their totals reach under the badges as they are now (after
    staff add, edit or delete one); returns how many learners changed badge.

    Set-wise: one UPDATE that writes only the rows whose badge changes, each taking the highest
    badge whose requirements its totals meet, as `badge_for` decides. A learner acting at the
    same moment waits for the row lock and then writes the same answer (actions recompute the
    badge from the cached list, which the admin's save has just forgotten).
    """
    reached = Badge.objects.filter(
        required_points__lte=OuterRef("total_xp"), required_problems__lte=OuterRef("problems_solved")
    ).order_by("-required_points", "-required_problems")
    target = Subquery(reached.values("pk")[:1])
    changed = (
        ProfileStats.objects.annotate(target=target)
        .filter(
            Q(badge__isnull=True, target__isnull=False)
            | Q(badge__isnull=False, target__isnull=True)
            | (Q(badge__isnull=False, target__isnull=False) & ~Q(badge_id=F("target")))
        )
        .values("pk")
    )
    return ProfileStats.objects.filter(pk__in=changed).update(badge_id=target)
