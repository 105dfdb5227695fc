"""What the API views of every app share: input validation, one-page lists, the acting-profile
header and the bodiless 204. Apps above `accounts` build their views on these (never the reverse).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from .pagination import StandardPagination, paginated_response
from .profile import ACTING_PROFILE_PARAMETER

NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}


def validated(serializer_class, data):
    """`data` checked by `serializer_class`; its `validated_data`. Invalid input raises DRF's
    ValidationError, which the API renders as a 400 with `fields`."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# For a view whose GET answers one page of a list. `pagination_class` is also what makes the
# OpenAPI schema describe the `{"count", "next", "previous", "results"}` envelope, so only such
# views carry it. No docstring on purpose: drf-spectacular describes an operation without a
# description of its own by its view's (inherited) docstring, which must stay the app base's.
class PaginatedListMixin:
    pagination_class = StandardPagination

    def paginated(self, queryset, serializer_class):
        """One page of `queryset` serialised with `serializer_class`; an unknown page is a 404."""
        return paginated_response(queryset=queryset, serializer_class=serializer_class, request=self.request, view=self)


@extend_schema(parameters=[ACTING_PROFILE_PARAMETER])
class ActingProfileApi(APIView):
    """Base for views that work for the active profile (`active_profile_for`): documents the
    `X-Profile-Id` header on every operation. Subclasses add their tag, and a docstring of their
    own (drf-spectacular shows a view's docstring where an operation has no description)."""
