"""Sign-in lockout keyed on the account, never on the IP address alone.

A school puts hundreds of children behind one address; locking that address would lock the
whole school out because of one child's typos. Counting failures per email stops password
guessing against an account while everyone else signs in normally.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from .errors import DomainError


class LockedOut(DomainError):
    status = 429
    code = "locked_out"


def _key(email):
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()
    return f"login-failures:{digest}"


def check_not_locked(email):
    if cache.get(_key(email), 0) >= settings.LOGIN_FAILURE_LIMIT:
        minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
        raise LockedOut(
            f"Too many failed sign-in attempts for this account. Try again in {minutes} minutes or reset your password."
        )


def record_failure(email):
    key = _key(email)
    # add() then incr() keeps the count atomic in shared caches such as Redis.
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def clear_failures(email):
    cache.delete(_key(email))
