"""Shapes of the accounts API: input serializers check shape only (rules live in services),
output serializers say exactly what a client sees. Names are unique because drf-spectacular
turns each into a schema component."""

from rest_framework import serializers

from accounts import permissions, services
from accounts.models import AVATAR_COLOURS, LinkRole, ProfileLink


# Errors ---------------------------------------------------------------------------------------
class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable reason, e.g. `invalid_timezone`.")
    message = serializers.CharField(help_text="A sentence for people, safe to show as is.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field; `non_field_errors` for the request as a whole. Empty if none.",
    )


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorSerializer()


# Auth -----------------------------------------------------------------------------------------
class AuthTokenObtainSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class AuthTokenSerializer(serializers.Serializer):
    token = serializers.CharField(source="key", help_text="Send as `Authorization: Token <token>`.")


# Profiles -------------------------------------------------------------------------------------
class ProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    time_zone = serializers.CharField()
    avatar_emoji = serializers.CharField()
    avatar_colour = serializers.ChoiceField(choices=AVATAR_COLOURS)
    is_managed = serializers.BooleanField(help_text="True while the learner has no login of their own.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProfileUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=60, required=False)
    time_zone = serializers.CharField(max_length=64, required=False, help_text="An IANA name such as Europe/London.")
    avatar_emoji = serializers.CharField(max_length=8, required=False, allow_blank=True)
    avatar_colour = serializers.ChoiceField(choices=AVATAR_COLOURS, required=False)


class ProfileCreateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=60)
    role = serializers.ChoiceField(choices=LinkRole.choices, help_text="How you relate to this learner.")
    time_zone = serializers.CharField(max_length=64, required=False, help_text="Defaults to your own time zone.")
    avatar_emoji = serializers.CharField(max_length=8, required=False, allow_blank=True)


class MeUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    date_joined = serializers.DateTimeField()


class MeSerializer(serializers.Serializer):
    user = MeUserSerializer()
    profile = ProfileSerializer(help_text="Your own profile.")
    active_profile_id = serializers.IntegerField(
        help_text="The profile this request records work for (your own unless `X-Profile-Id` or the session says "
        "otherwise)."
    )


class ProfileAccessEntrySerializer(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.profile.display_name")
    kind = serializers.CharField(help_text="Human-readable kind of access, e.g. “Parent · created this profile”.")
    since = serializers.DateTimeField()
    link_id = serializers.IntegerField(source="link.pk", allow_null=True, help_text="Null for the owner.")
    removable = serializers.SerializerMethodField(
        help_text="Whether you may remove this access. Never for the owner, nor for the guardian who created a "
        "managed learner."
    )

    def get_removable(self, entry) -> bool:
        link = entry.link
        if link is None or services.link_is_permanent(link):
            return False
        return permissions.can_remove_link(self.context["request"].user, link)


class ProfileExportProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    time_zone = serializers.CharField()
    avatar_emoji = serializers.CharField()
    avatar_colour = serializers.CharField()
    has_own_login = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProfileExportAccessSerializer(serializers.Serializer):
    email = serializers.EmailField()
    kind = serializers.CharField()
    since = serializers.DateTimeField()


class ProfileExportSerializer(serializers.Serializer):
    """Documents the core of `accounts.export.profile_export`; apps that record learner data add
    their own top-level sections, which the schema leaves open."""

    exported_at = serializers.DateTimeField()
    profile = ProfileExportProfileSerializer()
    access = ProfileExportAccessSerializer(many=True)


class GraduationInviteSerializer(serializers.Serializer):
    invite_url = serializers.SerializerMethodField(help_text="Give this link to the learner; it works once.")
    expires_at = serializers.DateTimeField()

    def get_invite_url(self, invite) -> str:
        return self.context["request"].build_absolute_uri(f"/graduate/{invite.token}/")


# Link codes and links -------------------------------------------------------------------------
class LinkCodeCreateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=LinkRole.choices, help_text="The access the accepting learner grants you.")


class LinkCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    role = serializers.ChoiceField(choices=LinkRole.choices)
    expires_at = serializers.DateTimeField()


class LinkCodeAcceptSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text="Case, spaces and dashes are ignored.")
    profile_id = serializers.IntegerField(
        required=False, help_text="A learner you manage to grant access to; defaults to your own profile."
    )


class LinkHolderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField(source="profile.display_name")


class LinkProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    is_managed = serializers.BooleanField()


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = LinkHolderSerializer(help_text="The parent or teacher who holds the access.")
    profile = LinkProfileSerializer(help_text="The learner the access is to.")
    role = serializers.ChoiceField(choices=LinkRole.choices)
    origin = serializers.ChoiceField(choices=ProfileLink.Origin.choices)
    created_at = serializers.DateTimeField()
