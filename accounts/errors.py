"""One family of domain errors, raised by services and rendered in one place.

Pages turn them into form errors or messages; the API's exception handler turns them into
`{"error": {"code", "message", "fields"}}` with `status`.
"""


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message, *, code=None, fields=None, status=None, extra=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        # Extra keys for the error body, e.g. the current state that a stale update lost to.
        self.extra = extra or {}
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidInput(DomainError):
    status = 400
    code = "invalid"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    """A one-time code or invite that existed but can no longer be used."""

    status = 410
    code = "gone"
