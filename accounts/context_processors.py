from django.db.models import Case, Value, When

from . import permissions


def active_profile(request):
    """The header's "Who's learning?" picker: the active profile and the ones to switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def switchable():
        own_first = Case(When(user=user, then=Value(0)), default=Value(1))
        return list(permissions.profiles_actable_by(user).order_by(own_first, "display_name", "pk"))

    return {"active_profile": request.profile, "switchable_profiles": switchable}
