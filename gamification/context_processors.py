from functools import cache

from .celebrations import celebrations_take


def celebrations(request):
    """`celebrations`: the active learner's unseen celebrations, marked seen as they are taken.

    A callable, resolved only when a template uses it (base.html does), so pages that never
    render it cost no query; resolved once per request however often the template asks.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def take():
        profile = getattr(request, "profile", None)
        return celebrations_take(profile_id=profile.pk) if profile else []

    return {"celebrations": take}
