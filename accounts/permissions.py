"""The one permission module: who may see, act as, or manage which profile.

Every page, API endpoint and admin-less service that touches a profile asks here. Three
questions, from weakest to strongest:

- `can_view(user, profile)`: see the learner's progress. The owner, any linked parent or
  teacher, and staff (who support families and schools).
- `can_act_as(user, profile)`: record work as this learner. The owner; a parent linked to a
  managed profile; the teacher who created a managed profile. Teachers never act as a learner
  who has a login of their own.
- `can_manage(user, profile)`: rename, export, delete, graduate, accept link codes for, and see
  who has access. The owner of an own profile; the guardian (creator or linked parent) of a
  managed profile. Staff manage through the admin, not through these pages.

`profiles_visible_to` and `profiles_actable_by` are the queryset twins of the first two, so a
list can never show what a detail page would refuse. `get_profile_for` answers "not yours"
exactly like "does not exist" (404) unless the user may at least view it.
"""

from django.db.models import Case, Exists, OuterRef, Q, Value, When

from .errors import NotFound, PermissionDenied
from .models import LinkRole, Profile, ProfileLink

VIEW = "view"
ACT = "act"
MANAGE = "manage"


def _is_person(user):
    return user is not None and user.is_authenticated and user.is_active


def _link_role(user, profile):
    """The role of `user`'s link to `profile`, or None. Memoised per profile instance."""
    cache = profile.__dict__.setdefault("_link_role_cache", {})
    if user.pk not in cache:
        cache[user.pk] = ProfileLink.objects.filter(user=user, profile=profile).values_list("role", flat=True).first()
    return cache[user.pk]


def is_owner(user, profile):
    return _is_person(user) and profile.user_id is not None and profile.user_id == user.pk


def is_guardian(user, profile):
    """The creator of a managed profile, or a parent linked to it."""
    if not _is_person(user) or not profile.is_managed:
        return False
    return profile.created_by_id == user.pk or _link_role(user, profile) == LinkRole.PARENT


def can_view(user, profile):
    if not _is_person(user):
        return False
    if is_owner(user, profile) or user.is_staff:
        return True
    return _link_role(user, profile) is not None


def can_act_as(user, profile):
    if is_owner(user, profile):
        return True
    return is_guardian(user, profile)


def can_manage(user, profile):
    if is_owner(user, profile):
        return True
    return is_guardian(user, profile)


def can_remove_link(user, link):
    """Either side may end a link: the parent/teacher holding it, or whoever manages the learner."""
    if not _is_person(user):
        return False
    return link.user_id == user.pk or can_manage(user, link.profile)


CHECKS = {VIEW: can_view, ACT: can_act_as, MANAGE: can_manage}


def profiles_visible_to(user):
    """Every profile `user` may view, own first then by name. Staff see only their own here:
    the admin, not the learner-facing lists, is where staff browse everyone."""
    if not _is_person(user):
        return Profile.objects.none()
    linked = ProfileLink.objects.filter(user=user, profile=OuterRef("pk"))
    own_first = Case(When(user=user, then=Value(0)), default=Value(1))
    return Profile.objects.filter(Q(user=user) | Q(Exists(linked))).order_by(own_first, "display_name", "pk")


def profiles_actable_by(user):
    """Every profile `user` may act as: their own and the managed profiles they are guardian of."""
    if not _is_person(user):
        return Profile.objects.none()
    parent_link = ProfileLink.objects.filter(user=user, profile=OuterRef("pk"), role=LinkRole.PARENT)
    managed = Q(user__isnull=True) & (Q(created_by=user) | Q(Exists(parent_link)))
    return Profile.objects.filter(Q(user=user) | managed)


def get_profile_for(user, profile_id, *, action=VIEW, for_update=False):
    """Fetch a profile `user` may `action` on.

    Raises NotFound when the profile does not exist *or* the user may not even view it, so an
    outsider cannot probe for ids; raises PermissionDenied when they may view but not `action`.
    With `for_update`, the row is locked; the caller must be inside a transaction.
    """
    queryset = Profile.objects.select_related("user", "created_by")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        profile = queryset.get(pk=profile_id)
    except (Profile.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such profile.") from None
    if not can_view(user, profile) and not CHECKS[action](user, profile):
        raise NotFound("No such profile.")
    if not CHECKS[action](user, profile):
        raise PermissionDenied(
            {
                ACT: "You may not act as this learner.",
                MANAGE: "You may not manage this learner.",
                VIEW: "You may not view this learner.",
            }[action]
        )
    return profile


def require(user, profile, action):
    """Raise PermissionDenied unless `user` may `action` on `profile` (already fetched)."""
    if not CHECKS[action](user, profile):
        raise PermissionDenied(f"You may not {action} this learner.")
