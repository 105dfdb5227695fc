"""Users, the one learner identity (`Profile`), and who else may see or act for a profile.

Every piece of learning and gamification data points at a `Profile`. A user owns exactly one
profile (`Profile.user`, unique); managed sub-profiles have no user until they graduate.
"""

import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a known time zone; use an IANA name such as Europe/London.",
            code="invalid_timezone",
            params={"value": value},
        )


class UserManager(BaseUserManager):
    """The single creation path for users: every user is born with its own profile."""

    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Email is the login name and is unique regardless of case.
        return self.get(email__iexact=username)

    def _create_user(self, email, password, *, profile=None, display_name="", time_zone="", **extra):
        if not email:
            raise ValueError("Users must have an email address.")
        email = self.normalize_email(email).lower()
        with transaction.atomic():
            user = self.model(email=email, **extra)
            user.set_password(password)
            user.full_clean(exclude=["password"], validate_unique=False)
            user.save(using=self._db)
            if profile is None:
                Profile.objects.create(
                    user=user,
                    display_name=display_name or email.split("@")[0][:60],
                    time_zone=time_zone or "UTC",
                    show_on_leaderboards=True,
                )
            else:
                # Graduation: an existing managed profile becomes this user's own, same row.
                profile.user = user
                profile.save(update_fields=["user", "updated_at"])
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", max_length=254, unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = type(self).objects.normalize_email(self.email).lower()


AVATAR_COLOURS = [
    ("#4f46e5", "Indigo"),
    ("#0891b2", "Teal"),
    ("#16a34a", "Green"),
    ("#ca8a04", "Amber"),
    ("#dc2626", "Red"),
    ("#db2777", "Pink"),
    ("#7c3aed", "Violet"),
    ("#475569", "Slate"),
]


class Profile(models.Model):
    """A learner. Owned by a user (`user` set) or managed by a guardian (`user` empty)."""

    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.CASCADE, related_name="profile")
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_profiles",
        help_text="The guardian who created this managed profile.",
    )
    display_name = models.CharField(max_length=60)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    avatar_emoji = models.CharField(max_length=8, blank=True)
    avatar_colour = models.CharField(max_length=7, choices=AVATAR_COLOURS, default=AVATAR_COLOURS[0][0])
    show_on_leaderboards = models.BooleanField(
        default=False,
        help_text="Public leaderboards show only display names. Managed (children's) profiles stay off "
        "them unless a guardian opts in; learners with their own login are on them unless they opt out.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # A managed profile always names its guardian; an owned one may have had one before
            # it graduated. Either way a profile with neither owner nor guardian is an orphan.
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(created_by__isnull=False),
                name="profile_has_owner_or_guardian",
            ),
            models.CheckConstraint(condition=~models.Q(display_name=""), name="profile_display_name_not_empty"),
        ]
        indexes = [models.Index(fields=["created_by"], name="profile_created_by_idx")]

    def __str__(self):
        return self.display_name

    @property
    def is_managed(self):
        """True while the profile has no login of its own."""
        return self.user_id is None

    @property
    def initials(self):
        parts = self.display_name.split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_today(self, now=None):
        """The learner's own calendar date, which decides streak days and daily goals."""
        return (now or timezone.now()).astimezone(self.zone).date()


class LinkRole(models.TextChoices):
    PARENT = "parent", "Parent"
    TEACHER = "teacher", "Teacher"


class ProfileLink(models.Model):
    """A parent or teacher's access to a profile that is not their own."""

    class Origin(models.TextChoices):
        CREATED = "created", "Created the profile"
        CODE = "code", "Accepted link code"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profile_links")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="links")
    role = models.CharField(max_length=10, choices=LinkRole.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.CODE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "profile"], name="profile_link_unique_pair"),
        ]
        indexes = [models.Index(fields=["profile", "role"], name="profile_link_profile_role_idx")]

    def __str__(self):
        return f"{self.user} → {self.profile} ({self.get_role_display()})"


class LinkCode(models.Model):
    """A one-time code a parent or teacher hands to a learner, who accepts it to grant access."""

    code = models.CharField(max_length=12, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="link_codes")
    role = models.CharField(max_length=10, choices=LinkRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by_profile = models.ForeignKey(Profile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["created_by", "-created_at"], name="link_code_creator_idx")]

    def __str__(self):
        return self.code

    @property
    def is_usable(self):
        return self.used_at is None and self.expires_at > timezone.now()


class GraduationInvite(models.Model):
    """A one-time invitation for a managed child to take over their profile with a login."""

    token = models.CharField(max_length=64, unique=True)
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="graduation_invites")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Invite for {self.profile}"

    @property
    def is_usable(self):
        return self.used_at is None and self.expires_at > timezone.now()
