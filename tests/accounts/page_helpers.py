"""Shared by the account page tests (test_pages_*.py)."""

import re

from accounts import services

NEW_PASSWORD = "a-brand-new-long-passphrase"


def text(response):
    return response.content.decode()


def names_kit(response):
    """Whether the page shows the child's name (as a word: the time zone list has St Kitts)."""
    return re.search(r"\bKit\b", text(response)) is not None


def link_by_code(holder, role, *, accepter, profile=None):
    code = services.link_code_create(user=holder, role=role)
    return services.link_code_accept(user=accepter, code=code.code, profile=profile)
