"""The accounts JSON API under /api/v1/. Views are thin: parse with an input serializer, fetch
through `permissions` (404 for outsiders, 403 for viewers who may not act), call a service or
selector, and render with an output serializer. Errors are DomainErrors that
`accounts.api.exceptions` turns into the one error envelope.

One class per URL; where a URL takes several methods, each method is one operation with its own
input and output serializers and its own `extend_schema`.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import permissions, selectors, services
from accounts.export import profile_export

from . import serializers as s
from .base import NO_CONTENT, PaginatedListMixin, validated
from .exceptions import error_responses
from .profile import ACTING_PROFILE_PARAMETER, active_profile_for


@extend_schema(tags=["accounts"])
class AccountsApi(APIView):
    """Base for this module's views: groups them under one tag in the API docs."""


# Auth -----------------------------------------------------------------------------------------
class AuthTokenApi(AccountsApi):
    """POST: exchange email and password for a token (anonymous). DELETE: revoke your token."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_obtain",
        summary="Get an API token",
        description="The same token is returned until revoked. Repeated failures lock the *account* (not the IP "
        "address) for a while: 429 with code `locked_out`. Wrong email or password: 400 `invalid_credentials`.",
        request=s.AuthTokenObtainSerializer,
        responses={200: s.AuthTokenSerializer, **error_responses(400)},
    )
    def post(self, request):
        data = validated(s.AuthTokenObtainSerializer, request.data)
        token = services.api_token_obtain(request=request._request, email=data["email"], password=data["password"])
        return Response(s.AuthTokenSerializer(token).data)

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="Revoke your API token",
        request=None,
        responses={**NO_CONTENT, **error_responses(403)},
    )
    def delete(self, request):
        services.api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Me -------------------------------------------------------------------------------------------
class MeDetailApi(AccountsApi):
    @extend_schema(
        operation_id="me_retrieve",
        summary="You, your profile and the profile you are acting as",
        parameters=[ACTING_PROFILE_PARAMETER],
        responses={200: s.MeSerializer, **error_responses(403, 404)},
    )
    def get(self, request):
        data = {
            "user": request.user,
            "profile": services.get_own_profile(request.user),
            "active_profile_id": active_profile_for(request).pk,
        }
        return Response(s.MeSerializer(data).data)


class MeProfileUpdateApi(AccountsApi):
    @extend_schema(
        operation_id="me_profile_update",
        summary="Update your own profile",
        description="Changing the time zone only moves future activity; recorded days keep their dates.",
        request=s.ProfileUpdateSerializer,
        responses={200: s.ProfileSerializer, **error_responses(400)},
    )
    def patch(self, request):
        data = validated(s.ProfileUpdateSerializer, request.data)
        profile = services.get_own_profile(request.user)
        profile = services.profile_update(actor=request.user, profile=profile, **data)
        return Response(s.ProfileSerializer(profile).data)


# Profiles -------------------------------------------------------------------------------------
class ProfileListCreateApi(PaginatedListMixin, AccountsApi):
    @extend_schema(
        operation_id="profile_list",
        summary="Learners you can see",
        description="Your own profile first, then the learners you are linked to, by name.",
        responses={200: s.ProfileSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        return self.paginated(permissions.profiles_visible_to(request.user), s.ProfileSerializer)

    @extend_schema(
        operation_id="profile_create",
        summary="Create a managed learner (no login)",
        description="You become the learner's guardian as parent or teacher. A parent can later invite the "
        "learner to take over the profile with a login of their own.",
        request=s.ProfileCreateSerializer,
        responses={201: s.ProfileSerializer, **error_responses(400, 403)},
    )
    def post(self, request):
        data = validated(s.ProfileCreateSerializer, request.data)
        profile = services.managed_profile_create(guardian=request.user, **data)
        return Response(s.ProfileSerializer(profile).data, status=status.HTTP_201_CREATED)


class ProfileDetailApi(AccountsApi):
    @extend_schema(
        operation_id="profile_retrieve",
        summary="A learner you can see",
        responses={200: s.ProfileSerializer, **error_responses(404)},
    )
    def get(self, request, profile_id):
        profile = permissions.get_profile_for(request.user, profile_id, action=permissions.VIEW)
        return Response(s.ProfileSerializer(profile).data)

    @extend_schema(
        operation_id="profile_update",
        summary="Update a learner you manage",
        request=s.ProfileUpdateSerializer,
        responses={200: s.ProfileSerializer, **error_responses(400, 403, 404)},
    )
    def patch(self, request, profile_id):
        data = validated(s.ProfileUpdateSerializer, request.data)
        profile = permissions.get_profile_for(request.user, profile_id, action=permissions.MANAGE)
        profile = services.profile_update(actor=request.user, profile=profile, **data)
        return Response(s.ProfileSerializer(profile).data)

    @extend_schema(
        operation_id="profile_delete",
        summary="Delete a managed learner and everything recorded for them",
        description="Only for learners without a login of their own (409 `not_managed` otherwise).",
        request=None,
        responses={**NO_CONTENT, **error_responses(403, 404, 409)},
    )
    def delete(self, request, profile_id):
        profile = permissions.get_profile_for(request.user, profile_id, action=permissions.MANAGE)
        services.managed_profile_delete(actor=request.user, profile=profile)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileAccessListApi(AccountsApi):
    @extend_schema(
        operation_id="profile_access_list",
        summary="Who can see a learner you manage",
        responses={200: s.ProfileAccessEntrySerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request, profile_id):
        profile = permissions.get_profile_for(request.user, profile_id, action=permissions.MANAGE)
        entries = services.profile_access_list(profile=profile)
        return Response(s.ProfileAccessEntrySerializer(entries, many=True, context={"request": request}).data)


class ProfileExportApi(AccountsApi):
    @extend_schema(
        operation_id="profile_export",
        summary="Download everything recorded for a learner you manage",
        description="Besides the sections below, each app that records learner data adds its own top-level key.",
        responses={200: s.ProfileExportSerializer, **error_responses(403, 404)},
    )
    def get(self, request, profile_id):
        profile = permissions.get_profile_for(request.user, profile_id, action=permissions.MANAGE)
        return Response(profile_export(actor=request.user, profile=profile))


class GraduationInviteCreateApi(AccountsApi):
    @extend_schema(
        operation_id="graduation_invite_create",
        summary="Invite a managed learner to take over their profile with a login",
        description="Earlier unused invites for the learner stop working. 409 `not_managed` if the learner "
        "already has a login.",
        request=None,
        responses={201: s.GraduationInviteSerializer, **error_responses(403, 404, 409)},
    )
    def post(self, request, profile_id):
        profile = permissions.get_profile_for(request.user, profile_id, action=permissions.MANAGE)
        invite = services.graduation_invite_create(actor=request.user, profile=profile)
        return Response(
            s.GraduationInviteSerializer(invite, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


# Link codes and links -------------------------------------------------------------------------
class LinkCodeListCreateApi(PaginatedListMixin, AccountsApi):
    @extend_schema(
        operation_id="link_code_list",
        summary="Your link codes that can still be accepted",
        responses={200: s.LinkCodeSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        return self.paginated(selectors.link_codes_open_for_user(user=request.user), s.LinkCodeSerializer)

    @extend_schema(
        operation_id="link_code_create",
        summary="Create a one-time link code",
        description="Hand the code to a learner (or their parent); accepting it gives you access to the learner "
        "in the chosen role.",
        request=s.LinkCodeCreateSerializer,
        responses={201: s.LinkCodeSerializer, **error_responses(400, 403, 409)},
    )
    def post(self, request):
        data = validated(s.LinkCodeCreateSerializer, request.data)
        code = services.link_code_create(user=request.user, role=data["role"])
        return Response(s.LinkCodeSerializer(code).data, status=status.HTTP_201_CREATED)


class LinkCodeAcceptApi(AccountsApi):
    @extend_schema(
        operation_id="link_code_accept",
        summary="Accept a link code, granting its creator access to a learner",
        description="For your own profile unless `profile_id` names a learner you manage. Errors: 404 "
        "`unknown_code`, 410 `code_used` / `code_expired`, 400 `own_code`, 409 `already_linked`.",
        request=s.LinkCodeAcceptSerializer,
        responses={201: s.LinkSerializer, **error_responses(400, 403, 404, 409, 410)},
    )
    def post(self, request):
        data = validated(s.LinkCodeAcceptSerializer, request.data)
        profile = None
        if "profile_id" in data:
            profile = permissions.get_profile_for(request.user, data["profile_id"], action=permissions.MANAGE)
        link = services.link_code_accept(user=request.user, code=data["code"], profile=profile)
        return Response(s.LinkSerializer(link).data, status=status.HTTP_201_CREATED)


class LinkListApi(PaginatedListMixin, AccountsApi):
    @extend_schema(
        operation_id="link_list",
        summary="Links you hold and links to learners you manage",
        responses={200: s.LinkSerializer(many=True), **error_responses(404)},
    )
    def get(self, request):
        return self.paginated(selectors.links_for_user(user=request.user), s.LinkSerializer)


class LinkDeleteApi(AccountsApi):
    @extend_schema(
        operation_id="link_delete",
        summary="End a link",
        description="Either side may: the parent or teacher holding it, or whoever manages the learner. 409 "
        "`guardian_link` for the link of the guardian who created a managed learner (delete the learner instead).",
        request=None,
        responses={**NO_CONTENT, **error_responses(403, 404, 409)},
    )
    def delete(self, request, link_id):
        link = selectors.link_get_for_user(user=request.user, link_id=link_id)
        services.link_remove(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)
