import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from accounts import services
from accounts.errors import InvalidInput
from accounts.models import Profile, User
from tests.conftest import PASSWORD


def test_signup_service_creates_exactly_one_own_profile(db):
    user = services.user_register(
        email="Ada@Example.com", password=PASSWORD, display_name="Ada", time_zone="Asia/Tokyo"
    )
    assert user.email == "ada@example.com"
    assert Profile.objects.filter(user=user).count() == 1
    assert user.profile.time_zone == "Asia/Tokyo"


def test_create_user_and_create_superuser_make_a_profile(db):
    plain = User.objects.create_user(email="plain@example.com", password=PASSWORD)
    boss = User.objects.create_superuser(email="boss@example.com", password=PASSWORD)
    assert plain.profile.display_name == "plain"
    assert boss.profile.pk and boss.is_staff


def test_createsuperuser_command_makes_a_profile(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", "--email", "root@example.com", verbosity=0)
    assert User.objects.get(email="root@example.com").profile


def test_second_own_profile_is_impossible(learner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(user=learner, display_name="Second")


def test_failed_signup_writes_nothing(db):
    with pytest.raises(InvalidInput) as error:
        services.user_register(email="x@example.com", password=PASSWORD, time_zone="Mars/Olympus")
    assert "time_zone" in error.value.fields
    assert not User.objects.exists() and not Profile.objects.exists()


def test_duplicate_email_in_any_case_is_refused(learner):
    with pytest.raises(InvalidInput) as error:
        services.user_register(email="LENA@example.COM", password=PASSWORD)
    assert error.value.code == "email_taken"
    assert User.objects.count() == 1
