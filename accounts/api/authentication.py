"""API authentication: DRF's token scheme, loading the user's own profile with the token."""

from functools import lru_cache

from django.db import connection
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from ..models import Profile, User
from ..rows import columns, fetch_one, instance_from, width


@lru_cache(maxsize=4)
def _token_sql(vendor):
    quote = connection.ops.quote_name
    return (
        f"SELECT {columns(Token, 't')}, {columns(User, 'u')}, {columns(Profile, 'p')} "
        f"FROM {quote(Token._meta.db_table)} t "
        f"INNER JOIN {quote(User._meta.db_table)} u ON u.id = t.user_id "
        f"LEFT OUTER JOIN {quote(Profile._meta.db_table)} p ON p.user_id = u.id "
        "WHERE t.key = %s"
    )


def token_with_user_and_profile(key):
    """The token `key` with its user and the user's own profile attached (`token.user`,
    `token.user.profile`, which is None for the rare user without one), or None.

    One precompiled statement (accounts.rows): this runs on every API request, and the ORM
    spent more time building the three-model join than the database spent answering it."""
    row = fetch_one(_token_sql(connection.vendor), [key])
    if row is None:
        return None
    token_end, user_end = width(Token), width(Token) + width(User)
    token = instance_from(Token, row[:token_end])
    user = instance_from(User, row[token_end:user_end])
    profile = instance_from(Profile, row[user_end:]) if row[user_end] is not None else None
    Token._meta.get_field("user").set_cached_value(token, user)
    Profile._meta.get_field("user").remote_field.set_cached_value(user, profile)
    if profile is not None:
        Profile._meta.get_field("user").set_cached_value(profile, user)
    return token


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, but the token, its user and the user's own
    profile come in one query: nearly every API request then asks for that profile
    (`active_profile_for`), which would otherwise cost a second one."""

    def authenticate_credentials(self, key):
        token = token_with_user_and_profile(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token
