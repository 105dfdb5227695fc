"""Personas and helpers shared by every test. Users are made through the real creation path
(`user_register`) so the one-profile invariant holds in every test, as in production."""

import pytest
from django.core.cache import cache
from django.db import connection

from accounts import services
from accounts.memo import memos_forget_all
from accounts.models import LinkRole
from gamification.models import Achievement

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with empty caches (badges, problem of the day, login failures) and
    process memos (a rolled-back test leaves no signal behind to forget them)."""
    cache.clear()
    memos_forget_all()
    yield
    cache.clear()
    memos_forget_all()


@pytest.fixture(autouse=True)
def seeded_achievements_off(request):
    """The seeded achievements (gamification migration 0005) add XP rewards to what a learner
    earns; tests about other things assert exact totals, so the seeds are switched off unless a
    test asks for the `seeded_achievements` fixture. Tests without a database are left alone."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or "seeded_achievements" in request.fixturenames:
        return
    # pytest-django's helper sets the database up as the test's own marker or fixture asks
    # (transactional, serialized rollback); asking for `db` here would override that.
    request.getfixturevalue("_django_db_helper")
    Achievement.objects.filter(is_active=True).update(is_active=False)


@pytest.fixture
def seeded_achievements(db):
    """The seeded achievements, active, as in production."""
    return list(Achievement.objects.filter(is_active=True))


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (row locks under real threads) are deselected, not skipped, on
    SQLite; CI runs the suite on PostgreSQL too, where they run."""
    if connection.vendor == "postgresql":
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def make_user(email, *, display_name="", time_zone="UTC", **extra):
    user = services.user_register(email=email, password=PASSWORD, display_name=display_name, time_zone=time_zone)
    if extra:
        for key, value in extra.items():
            setattr(user, key, value)
        user.save()
    return user


@pytest.fixture
def learner(db):
    return make_user("lena@example.com", display_name="Lena")


@pytest.fixture
def other_learner(db):
    return make_user("omar@example.com", display_name="Omar")


@pytest.fixture
def parent(db):
    return make_user("pat@example.com", display_name="Pat Parent")


@pytest.fixture
def other_parent(db):
    return make_user("quinn@example.com", display_name="Quinn")


@pytest.fixture
def teacher(db):
    return make_user("tess@example.com", display_name="Ms Tess")


@pytest.fixture
def other_teacher(db):
    return make_user("uma@example.com", display_name="Mr Uma")


@pytest.fixture
def staff(db):
    return make_user("sam@example.com", display_name="Sam Staff", is_staff=True, is_superuser=True)


@pytest.fixture
def child(parent):
    """A managed sub-profile (no login) created by `parent`."""
    return services.managed_profile_create(guardian=parent, display_name="Kit", role=LinkRole.PARENT)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
