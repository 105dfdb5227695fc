"""One error format for every API failure: `{"error": {"code", "message", "fields"}}`.

`api_exception_handler` renders it for DomainErrors and every DRF exception (validation, auth,
404, 405, 415, parse errors, throttling); `config.views.handler404` and friends do the same for
URLs no view matched. `error_responses` documents it in the OpenAPI schema.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts.errors import DomainError

from .serializers import ErrorEnvelopeSerializer

logger = logging.getLogger(__name__)


def error_body(code, message, fields=None, **extra):
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


ERROR_DESCRIPTIONS = {
    400: "Invalid input or malformed body; `fields` says what to fix.",
    401: "Not signed in, or the token is invalid (see `WWW-Authenticate`).",
    403: "Signed in, but not allowed to do this.",
    404: "No such object, or not one you may see.",
    405: "Method not allowed on this URL.",
    409: "Conflicts with the current state.",
    410: "Existed, but can no longer be used.",
    429: "Too many requests or sign-in attempts; see `Retry-After` when present.",
}


def error_responses(*statuses, conflict=None):
    """`extend_schema(responses=...)` entries documenting the error envelope for `statuses`.

    401 and 429 are always included: any authenticated endpoint can answer them. `conflict` (an
    `OpenApiResponse` of the same envelope) replaces the 409 entry with one that describes, and
    shows by example, the extra keys a conflict carries: every error response stays the one
    `ErrorEnvelope` component, so clients need a single error type.
    """
    wanted = sorted({*statuses, 401, 429})
    responses = {
        code: OpenApiResponse(ErrorEnvelopeSerializer, description=ERROR_DESCRIPTIONS[code]) for code in wanted
    }
    if conflict is not None:
        responses[409] = conflict
    return responses


def _flatten(detail):
    if isinstance(detail, dict):
        return {
            key: [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


def _first_message(detail):
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            error_body("server_error", "Something went wrong on our side. Please try again."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", "Check the highlighted fields.", _flatten(exc.detail))
    else:
        code = getattr(exc, "default_code", "error")
        codes = exc.get_codes() if hasattr(exc, "get_codes") else code
        if isinstance(codes, str):
            code = codes
        response.data = error_body(code, _first_message(exc.detail))
    return response
