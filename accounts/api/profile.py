"""Which profile an API request records work for.

Browsers pick a learner on the "Who's learning?" page and the session remembers it
(`accounts.acting`). Token clients have no session, so they name the learner per request in the
`X-Profile-Id` header: a parent's app can record work for a managed child with the parent's own
token. Either way the choice is checked against `permissions` on every request.
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.authentication import SessionAuthentication

from accounts import permissions, services

PROFILE_HEADER = "X-Profile-Id"

ACTING_PROFILE_PARAMETER = OpenApiParameter(
    name=PROFILE_HEADER,
    type=int,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Record this request's work for the learner with this profile id, who must be you or a learner you may "
        "act for (a managed child you are guardian of). 404 for a profile you cannot see, 403 for one you can see "
        "but not act for. Without it: the learner chosen in the browser session, else your own profile."
    ),
)


def active_profile_for(request):
    """The profile a DRF `request` records work for; the user must be authenticated.

    With `X-Profile-Id`: that profile if the user may act as it, else NotFound/PermissionDenied
    (a DomainError the API renders as 404/403). Without it, a session-authenticated request uses
    the session's choice (`request.profile`, re-checked by `accounts.acting`); a token request
    uses the user's own profile (NotFound if, against the invariant, there is none).
    """
    header = request.headers.get(PROFILE_HEADER)
    if header is not None:
        return permissions.get_profile_for(request.user, header.strip(), action=permissions.ACT)
    if isinstance(request.successful_authenticator, SessionAuthentication):
        # Set lazily by ActiveProfileMiddleware; unwrap so callers get a real Profile instance.
        profile = getattr(request._request, "profile", None)
        if profile:
            return getattr(profile, "_wrapped", profile)
    # `user.profile` is cached on the user, so views that also show the own profile query once.
    return services.get_own_profile(request.user)
