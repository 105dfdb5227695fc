"""Page-view helpers around the permission module: domain errors become HTTP answers."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404

from . import permissions
from .errors import NotFound, PermissionDenied


def profile_or_404(user, profile_id, action):
    """The profile if `user` may `action` on it: 404 for outsiders, 403 for mere viewers."""
    try:
        return permissions.get_profile_for(user, profile_id, action=action)
    except NotFound:
        raise Http404("No such learner.") from None
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from None
