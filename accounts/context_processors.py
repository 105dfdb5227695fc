from . import permissions


def active_profile(request):
    """The header's "Who's learning?" picker: the active profile and the ones to switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def switchable():
        return list(permissions.profiles_actable_by(user).order_by("-user", "display_name"))

    return {"active_profile": request.profile, "switchable_profiles": switchable}
