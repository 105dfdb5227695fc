"""Which profile a browser session is recording work for ("Who's learning?").

The choice lives in the session; it is re-checked against the permission module on every
request, so removing a link ends the access at once, even mid-session.
"""

from . import permissions
from .models import Profile

SESSION_KEY = "acting_profile_id"


def resolve_active_profile(request):
    """The profile this request acts as: the chosen managed child if still allowed, else own."""
    user = request.user
    if not user.is_authenticated:
        return None
    acting_id = request.session.get(SESSION_KEY)
    if acting_id is not None:
        profile = Profile.objects.select_related("user").filter(pk=acting_id).first()
        if profile is not None and profile.user_id != user.pk and permissions.can_act_as(user, profile):
            return profile
        request.session.pop(SESSION_KEY, None)
    return Profile.objects.filter(user=user).first()


def acting_start(request, profile):
    """Switch the session to `profile`; raises PermissionDenied if the user may not act as it."""
    permissions.require(request.user, profile, permissions.ACT)
    if profile.user_id == request.user.pk:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = profile.pk
    request.__dict__.pop("profile", None)


def acting_stop(request):
    request.session.pop(SESSION_KEY, None)
