from django.contrib.auth.backends import ModelBackend

from .lockout import LockedOut, check_not_locked, clear_failures, record_failure


class EmailBackend(ModelBackend):
    """Email (any case) and password, with the per-account lockout applied to every sign-in
    path: the sign-in page, the admin and the API token endpoint."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = email or username or kwargs.get("email")
        if not email or password is None:
            return None
        try:
            check_not_locked(email)
        except LockedOut:
            if request is not None:
                request.login_locked_out = True
            return None
        user = super().authenticate(request, username=email, password=password, **kwargs)
        if user is None:
            record_failure(email)
        else:
            clear_failures(email)
        return user
