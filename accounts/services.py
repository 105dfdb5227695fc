"""Every state change to users, profiles and links. Pages, API, admin and commands call these.

Each public service that is a whole user action opens the outermost transaction itself
(`durable=True`), so nothing half-written survives an error.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from . import permissions
from .errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from .lockout import LockedOut
from .models import GraduationInvite, LinkCode, LinkRole, Profile, ProfileLink, User, validate_timezone

# Unambiguous characters only: link codes are read aloud and typed by children.
LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 8


def _validation_to_fields(error):
    if hasattr(error, "message_dict"):
        return {field: list(messages) for field, messages in error.message_dict.items()}
    return {"non_field_errors": list(error.messages)}


def _check_email_free(email, *, field="email"):
    if User.objects.filter(email__iexact=email.strip()).exists():
        raise InvalidInput(
            "An account with this email address already exists.",
            code="email_taken",
            fields={field: ["An account with this email address already exists."]},
        )


def _check_password(password, *, user=None, field="password"):
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise InvalidInput(
            "Choose a stronger password.", code="weak_password", fields={field: list(error.messages)}
        ) from None


def _check_timezone(time_zone, *, field="time_zone"):
    try:
        validate_timezone(time_zone)
    except ValidationError as error:
        raise InvalidInput(error.messages[0], code="invalid_timezone", fields={field: list(error.messages)}) from None


def _check_display_name(display_name, *, field="display_name"):
    name = (display_name or "").strip()
    if not name:
        raise InvalidInput("Enter a name.", fields={field: ["Enter a name."]})
    if len(name) > 60:
        raise InvalidInput("Names are at most 60 characters.", fields={field: ["Names are at most 60 characters."]})
    return name


def user_register(*, email, password, display_name="", time_zone="UTC"):
    """Create a user and their own profile in one transaction; returns the user.

    Raises InvalidInput (with per-field messages) for a taken email in any case, a weak
    password or an unknown time zone; nothing is written then.
    """
    email = (email or "").strip()
    _check_timezone(time_zone)
    name = _check_display_name(display_name or email.split("@")[0])
    _check_email_free(email)
    _check_password(password, user=User(email=email))
    try:
        with transaction.atomic(durable=True):
            return User.objects.create_user(email=email, password=password, display_name=name, time_zone=time_zone)
    except ValidationError as error:
        raise InvalidInput("Check the highlighted fields.", fields=_validation_to_fields(error)) from None
    except IntegrityError:
        # Lost a race with another signup for the same address; the constraint held.
        raise InvalidInput(
            "An account with this email address already exists.",
            code="email_taken",
            fields={"email": ["An account with this email address already exists."]},
        ) from None


def profile_ensure_for_user(*, user):
    """Give a user saved by a path outside the manager (the admin's add form) their own profile.

    Caller must be inside the transaction that saved the user, so both commit together.
    """
    profile, _ = Profile.objects.get_or_create(
        user=user,
        defaults={
            "display_name": user.email.split("@")[0][:60] or "Learner",
            "time_zone": "UTC",
            "show_on_leaderboards": True,
        },
    )
    return profile


# Apps above accounts that keep something derived from a profile's leaderboard visibility
# register here (from their AppConfig.ready), so a change reaches them in its own transaction
# without accounts importing them. Each is called as listener(profile_id=..., is_public=...).
_VISIBILITY_LISTENERS = []


def register_visibility_listener(listener):
    if listener not in _VISIBILITY_LISTENERS:
        _VISIBILITY_LISTENERS.append(listener)


def profile_update(
    *,
    actor,
    profile,
    display_name=None,
    time_zone=None,
    avatar_emoji=None,
    avatar_colour=None,
    show_on_leaderboards=None,
):
    """Change a profile's name, time zone, avatar or leaderboard visibility. The actor must be
    able to manage it: a guardian opts a managed child in or out of public leaderboards, an
    owner their own profile. A visibility change reaches the leaderboards in the same
    transaction (the registered visibility listeners).

    Changing the time zone only changes which local date *future* activity falls on; days
    already recorded keep the date they were recorded with.
    """
    permissions.require(actor, profile, permissions.MANAGE)
    changed = []
    if display_name is not None:
        profile.display_name = _check_display_name(display_name)
        changed.append("display_name")
    if time_zone is not None:
        _check_timezone(time_zone)
        profile.time_zone = time_zone
        changed.append("time_zone")
    if avatar_emoji is not None:
        if len(avatar_emoji) > 8:
            raise InvalidInput("Choose a single emoji.", fields={"avatar_emoji": ["Choose a single emoji."]})
        profile.avatar_emoji = avatar_emoji.strip()
        changed.append("avatar_emoji")
    if avatar_colour is not None:
        profile.avatar_colour = avatar_colour
        changed.append("avatar_colour")
    visibility_changed = False
    if show_on_leaderboards is not None:
        visibility_changed = bool(show_on_leaderboards) != profile.show_on_leaderboards
        profile.show_on_leaderboards = bool(show_on_leaderboards)
        changed.append("show_on_leaderboards")
    if not changed:
        return profile
    try:
        profile.full_clean(exclude=["user", "created_by"])
    except ValidationError as error:
        raise InvalidInput("Check the highlighted fields.", fields=_validation_to_fields(error)) from None
    with transaction.atomic(durable=True):
        profile.save(update_fields=[*changed, "updated_at"])
        if visibility_changed:
            for listener in _VISIBILITY_LISTENERS:
                listener(profile_id=profile.pk, is_public=profile.show_on_leaderboards)
    return profile


def managed_profile_create(*, guardian, display_name, role=LinkRole.PARENT, time_zone=None, avatar_emoji=""):
    """Create a sub-profile with no login, managed by `guardian` as parent or teacher.

    The guardian's link is written in the same transaction, so the profile is never unowned.
    The child's time zone defaults to the guardian's own.
    """
    if not permissions._is_person(guardian):
        raise PermissionDenied("Sign in to create a learner.")
    if role not in LinkRole.values:
        raise InvalidInput("Choose parent or teacher.", fields={"role": ["Choose parent or teacher."]})
    name = _check_display_name(display_name)
    if time_zone is None:
        own = Profile.objects.filter(user=guardian).values_list("time_zone", flat=True).first()
        time_zone = own or "UTC"
    _check_timezone(time_zone)
    with transaction.atomic(durable=True):
        profile = Profile.objects.create(
            created_by=guardian, display_name=name, time_zone=time_zone, avatar_emoji=avatar_emoji or ""
        )
        ProfileLink.objects.create(user=guardian, profile=profile, role=role, origin=ProfileLink.Origin.CREATED)
    return profile


def managed_profile_delete(*, actor, profile):
    """Delete a managed sub-profile and everything recorded against it (database cascades).

    Only the guardian may, and only while the profile has no login: a graduated learner's
    history is theirs.
    """
    if not profile.is_managed:
        raise Conflict("This learner has their own account now; only they can delete it.", code="not_managed")
    permissions.require(actor, profile, permissions.MANAGE)
    with transaction.atomic(durable=True):
        Profile.objects.filter(pk=profile.pk).delete()


def _new_link_code():
    return "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))


def link_code_create(*, user, role):
    """Issue a one-time code that grants `user` the `role` to whichever learner accepts it."""
    if not permissions._is_person(user):
        raise PermissionDenied("Sign in to create a link code.")
    if role not in LinkRole.values:
        raise InvalidInput("Choose parent or teacher.", fields={"role": ["Choose parent or teacher."]})
    expires_at = timezone.now() + timedelta(hours=settings.LINK_CODE_TTL_HOURS)
    for _attempt in range(5):
        try:
            with transaction.atomic(durable=True):
                return LinkCode.objects.create(code=_new_link_code(), created_by=user, role=role, expires_at=expires_at)
        except IntegrityError:
            continue  # 32^8 codes: a collision is rare, and a retry resolves it.
    raise Conflict("Could not create a unique code; try again.")


def normalise_link_code(raw):
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def link_code_accept(*, user, code, profile=None):
    """Accept a link code for `profile` (default: the user's own), granting its creator access.

    The code is consumed with a conditional UPDATE, so two concurrent accepts cannot both win.
    Raises NotFound (unknown code), Gone (used or expired), InvalidInput (own code) or
    Conflict (already linked).
    """
    if not permissions._is_person(user):
        raise PermissionDenied("Sign in to accept a link code.")
    if profile is None:
        profile = Profile.objects.get(user=user)
    permissions.require(user, profile, permissions.MANAGE)
    value = normalise_link_code(code)
    if not value:
        raise InvalidInput("Enter the code you were given.", fields={"code": ["Enter the code you were given."]})
    link_code = LinkCode.objects.select_related("created_by").filter(code=value).first()
    if link_code is None:
        raise NotFound(
            "That code does not exist. Check it and try again.", code="unknown_code", fields={"code": ["Unknown code."]}
        )
    if link_code.used_at is not None:
        raise Gone(
            "That code has already been used. Ask for a new one.", code="code_used", fields={"code": ["Already used."]}
        )
    if link_code.expires_at <= timezone.now():
        raise Gone("That code has expired. Ask for a new one.", code="code_expired", fields={"code": ["Expired."]})
    if link_code.created_by_id == user.pk and profile.user_id == user.pk:
        raise InvalidInput("You cannot link to yourself.", code="own_code", fields={"code": ["This is your own code."]})
    if ProfileLink.objects.filter(user_id=link_code.created_by_id, profile=profile).exists():
        raise Conflict(f"{link_code.created_by} already has access to {profile}.", code="already_linked")
    now = timezone.now()
    with transaction.atomic(durable=True):
        claimed = LinkCode.objects.filter(pk=link_code.pk, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now, used_by_profile=profile
        )
        if claimed != 1:
            raise Gone(
                "That code has already been used. Ask for a new one.",
                code="code_used",
                fields={"code": ["Already used."]},
            )
        try:
            with transaction.atomic():
                link = ProfileLink.objects.create(
                    user_id=link_code.created_by_id,
                    profile=profile,
                    role=link_code.role,
                    origin=ProfileLink.Origin.CODE,
                )
        except IntegrityError:
            raise Conflict(f"{link_code.created_by} already has access to {profile}.", code="already_linked") from None
    return link


def link_is_permanent(link):
    """True for the creating guardian's link to a still-managed profile, which `link_remove`
    refuses (the child would be left with nobody); pages hide its remove button."""
    profile = link.profile
    return profile.is_managed and link.origin == ProfileLink.Origin.CREATED and link.user_id == profile.created_by_id


def link_remove(*, actor, link):
    """End a link; access ends with the commit. Either side of the link may do it.

    The guardian who created a still-managed profile cannot drop their own link (the child
    would be left with nobody); they delete the profile instead.
    """
    if not permissions.can_remove_link(actor, link):
        raise PermissionDenied("You may not remove this link.")
    if link_is_permanent(link):
        raise Conflict(
            "The guardian who created this profile cannot be removed. Delete the profile instead.",
            code="guardian_link",
        )
    with transaction.atomic(durable=True):
        ProfileLink.objects.filter(pk=link.pk).delete()


@dataclass(frozen=True)
class AccessEntry:
    user: User
    kind: str
    since: datetime
    link: ProfileLink | None


def profile_access_list(*, profile):
    """Everyone who can see `profile`, with the kind of access and since when."""
    entries = []
    if profile.user_id:
        entries.append(
            AccessEntry(user=profile.user, kind="Owner (own login)", since=profile.user.date_joined, link=None)
        )
    # user__profile: callers show each holder's display name; one query, not one per link.
    for link in profile.links.select_related("user__profile").order_by("created_at"):
        kind = link.get_role_display()
        if link.origin == ProfileLink.Origin.CREATED:
            kind += " · created this profile"
        entries.append(AccessEntry(user=link.user, kind=kind, since=link.created_at, link=link))
    return entries


def graduation_invite_create(*, actor, profile):
    """Invite a managed child to take over their profile with an email and password.

    Earlier unused invites for the profile stop working, so only the newest link is live.
    """
    if not profile.is_managed:
        raise Conflict("This learner already has their own account.", code="not_managed")
    permissions.require(actor, profile, permissions.MANAGE)
    now = timezone.now()
    with transaction.atomic(durable=True):
        GraduationInvite.objects.filter(profile=profile, used_at__isnull=True).update(expires_at=now)
        return GraduationInvite.objects.create(
            token=secrets.token_urlsafe(32),
            profile=profile,
            created_by=actor,
            expires_at=now + timedelta(hours=settings.GRADUATION_INVITE_TTL_HOURS),
        )


def graduation_invite_get(*, token):
    invite = GraduationInvite.objects.select_related("profile").filter(token=token or "").first()
    if invite is None:
        raise NotFound("This invitation link is not valid.", code="unknown_invite")
    if not invite.is_usable or not invite.profile.is_managed:
        raise Gone("This invitation has expired or was already used. Ask for a new one.", code="invite_used")
    return invite


def graduation_accept(*, token, email, password):
    """Turn the invited managed profile into the new user's own profile: same row, same history.

    The guardian's link stays, so they keep seeing the learner's progress. The invite is
    consumed with a conditional UPDATE so it works exactly once.
    """
    invite = graduation_invite_get(token=token)
    email = (email or "").strip()
    _check_email_free(email)
    _check_password(password, user=User(email=email))
    now = timezone.now()
    try:
        with transaction.atomic(durable=True):
            claimed = GraduationInvite.objects.filter(pk=invite.pk, used_at__isnull=True, expires_at__gt=now).update(
                used_at=now
            )
            profile = Profile.objects.select_for_update().get(pk=invite.profile_id)
            if claimed != 1 or not profile.is_managed:
                raise Gone("This invitation has expired or was already used.", code="invite_used")
            return User.objects.create_user(email=email, password=password, profile=profile)
    except IntegrityError:
        raise InvalidInput(
            "An account with this email address already exists.",
            code="email_taken",
            fields={"email": ["An account with this email address already exists."]},
        ) from None


def api_token_obtain(*, request, email, password):
    """Check an email and password and return the user's API token (the same one on every call).

    `request` is the Django HttpRequest; the authentication backend applies the per-account
    lockout and marks the request when the account is locked. Raises LockedOut (429) for a
    locked account and InvalidInput (code "invalid_credentials") for anything else that fails,
    without saying whether the email exists.
    """
    user = authenticate(request, email=(email or "").strip(), password=password)
    if user is None:
        if getattr(request, "login_locked_out", False):
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            raise LockedOut(
                f"Too many failed sign-in attempts for this account. Try again in {minutes} minutes "
                "or reset your password."
            )
        raise InvalidInput("That email and password do not match an account.", code="invalid_credentials")
    with transaction.atomic(durable=True):
        token, _ = Token.objects.get_or_create(user=user)
    return token


def api_token_revoke(*, user):
    """Delete `user`'s API token, signing out every client that uses it. Idempotent."""
    with transaction.atomic(durable=True):
        Token.objects.filter(user=user).delete()


def get_own_profile(user):
    try:
        return user.profile
    except Profile.DoesNotExist:
        raise NotFound("This account has no profile.") from None
