"""Reads about links and link codes that pages and the API list. Permission rules stay in
`permissions`; these only shape the queries (filters, joins, order) so lists cost a fixed
number of queries however long they are."""

from django.db.models import Q
from django.utils import timezone

from . import permissions
from .errors import NotFound
from .models import LinkCode, ProfileLink


def link_codes_open_for_user(*, user):
    """`user`'s link codes that can still be accepted (unused, unexpired), newest first."""
    return LinkCode.objects.filter(created_by=user, used_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-created_at", "-pk"
    )


def links_for_user(*, user):
    """Links `user` holds, plus every link on a profile `user` manages, newest first.

    Holder and profile (and the holder's own profile, for their display name) come joined in.
    Managing a profile and acting as it are the same set of people (`permissions.can_manage`
    and `can_act_as` agree), so `profiles_actable_by` is the queryset twin used here.
    """
    managed = permissions.profiles_actable_by(user).values("pk")
    return (
        ProfileLink.objects.filter(Q(user=user) | Q(profile__in=managed))
        .select_related("user__profile", "profile")
        .order_by("-created_at", "-pk")
    )


def link_get_for_user(*, user, link_id):
    """The link with `link_id`, if `user` holds it or may at least view its profile.

    Raises NotFound otherwise, exactly as for an id that does not exist, so ids cannot be
    probed. Whether the user may *remove* it is the service's question (403).
    """
    link = ProfileLink.objects.select_related("user", "profile").filter(pk=link_id).first()
    if link is None or not (link.user_id == user.pk or permissions.can_view(user, link.profile)):
        raise NotFound("No such link.")
    return link
