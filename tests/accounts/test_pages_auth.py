"""The server-rendered account pages, as a user would notice them (status codes, what the page
says, where it sends you, what ends up in the database): home, sign-up, sign-in and lockout,
password reset and change, own settings, error pages."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Profile, User
from tests.accounts.page_helpers import NEW_PASSWORD, text
from tests.conftest import PASSWORD


def signup_data(**overrides):
    data = {
        "email": "new@example.com",
        "display_name": "Nia",
        "time_zone": "Europe/London",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


# --- home and layout -------------------------------------------------------------------------


@pytest.mark.django_db
def test_signed_out_home_is_a_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200
    body = text(response)
    assert "Learnloop" in body
    for word in ("XP", "streak", "badges", "leaderboard", "families and schools"):
        assert word.lower() in body.lower()
    assert reverse("accounts:signup") in body
    assert reverse("accounts:login") in body
    assert 'name="viewport"' in body
    # Strict CSP: no inline script or style anywhere in the layout.
    assert "<script>" not in body and "style=" not in body
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_signed_in_home_shows_the_active_profile(client, learner, django_assert_max_num_queries):
    profile = learner.profile
    profile.avatar_emoji = "🦊"
    profile.save()
    client.force_login(learner)
    with django_assert_max_num_queries(20):  # the dashboard's budget, see tests/learning/test_dashboard.py
        response = client.get("/")
    body = text(response)
    assert response.status_code == 200
    assert "Lena" in body and "🦊" in body
    assert reverse("accounts:family") in body and reverse("accounts:settings") in body
    assert "Sign out" in body and "Sign up" not in body


def test_home_queries_stay_bounded_with_many_children(client, parent, django_assert_max_num_queries):
    for name in ("Kit", "Max", "Ada", "Bo", "Cy", "Di"):
        services.managed_profile_create(guardian=parent, display_name=name)
    client.force_login(parent)
    with django_assert_max_num_queries(20):
        response = client.get("/")
    assert "Who's learning?" in text(response)
    for name in ("Kit", "Max", "Ada", "Bo", "Cy", "Di"):
        assert f">{name}</option>" in text(response)


# --- sign up ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signup_creates_the_user_logs_in_and_goes_home(client):
    page = client.get(reverse("accounts:signup"))
    assert page.status_code == 200 and '<option value="Europe/London"' in text(page)
    response = client.post(reverse("accounts:signup"), signup_data(email="New@Example.com"))
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="new@example.com")
    assert (user.profile.display_name, user.profile.time_zone) == ("Nia", "Europe/London")
    home = client.get("/")
    assert "Welcome to Learnloop, Nia!" in text(home) and "Nia" in text(home)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "LENA@example.com"}, "email", "already exists"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
        ({"password2": "something-else-entirely"}, "password2", "do not match"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"display_name": ""}, "display_name", "required"),
    ],
)
def test_signup_rejects_bad_input_and_writes_nothing(client, learner, overrides, field, message):
    users, profiles = User.objects.count(), Profile.objects.count()
    response = client.post(reverse("accounts:signup"), signup_data(**overrides))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert 'class="field-error"' in text(response)
    assert (User.objects.count(), Profile.objects.count()) == (users, profiles)
    assert "_auth_user_id" not in client.session


# --- sign in, sign out, lockout --------------------------------------------------------------


def test_login_with_email_in_any_case_and_logout(client, learner):
    page = client.get(reverse("accounts:login"))
    assert ">Email" in text(page)
    response = client.post(reverse("accounts:login"), {"username": "LENA@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == learner.pk
    assert client.get(reverse("accounts:logout")).status_code == 405, "logout is POST only"
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_wrong_password_shows_the_generic_error(client, learner):
    response = client.post(reverse("accounts:login"), {"username": learner.email, "password": "nope-nope-nope"})
    assert response.status_code == 400
    assert "do not match" in text(response)
    assert "Too many failed" not in text(response)


def test_lockout_message_after_too_many_failures(client, learner):
    url = reverse("accounts:login")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post(url, {"username": learner.email, "password": "wrong-password!"})
        assert "Too many failed" not in text(response)
    # Now even the right password is refused, with the lockout explanation.
    response = client.post(url, {"username": learner.email, "password": PASSWORD})
    body = text(response)
    minutes = settings.LOGIN_LOCKOUT_SECONDS // 60
    assert "Too many failed sign-in attempts" in body
    assert f"try again in {minutes} minutes or reset your password" in body.lower()
    assert "do not match" not in body
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_sets_a_new_password_and_lifts_lockout(client, learner):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": learner.email, "password": "wrong-password!"})
    response = client.post(reverse("accounts:password_reset"), {"email": "Lena@Example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [learner.email]
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_complete")
    assert client.get(response["Location"]).status_code == 200
    response = client.post(reverse("accounts:login"), {"username": learner.email, "password": NEW_PASSWORD})
    assert response.status_code == 302, "the reset lifts the lockout"


def test_password_reset_for_unknown_email_reveals_nothing(client, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and not mail.outbox


def test_password_change(client, learner):
    client.force_login(learner)
    url = reverse("accounts:password_change")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert bad.status_code == 200 and "incorrectly" in text(bad)
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("accounts:password_change_done")
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)


def test_pages_behind_login_redirect_to_sign_in(client, db):
    for name in ("settings", "family", "link_accept", "password_change"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


# --- account settings ------------------------------------------------------------------------


def test_settings_update_own_profile(client, learner):
    client.force_login(learner)
    page = client.get(reverse("accounts:settings"))
    assert page.status_code == 200 and 'value="Lena"' in text(page)
    response = client.post(
        reverse("accounts:settings"),
        {"display_name": "Lena B", "time_zone": "Asia/Tokyo", "avatar_emoji": "🐙", "avatar_colour": "#16a34a"},
    )
    assert response.status_code == 302
    learner.profile.refresh_from_db()
    profile = learner.profile
    assert (profile.display_name, profile.time_zone, profile.avatar_emoji, profile.avatar_colour) == (
        "Lena B",
        "Asia/Tokyo",
        "🐙",
        "#16a34a",
    )
    assert "avatar-c16a34a" in text(client.get("/"))


def test_settings_bad_input_changes_nothing(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("accounts:settings"),
        {"display_name": "   ", "time_zone": "Nowhere/Land", "avatar_emoji": "", "avatar_colour": "#000000"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"display_name", "time_zone", "avatar_colour"} <= set(errors)
    learner.profile.refresh_from_db()
    assert (learner.profile.display_name, learner.profile.time_zone) == ("Lena", "UTC")


def test_error_pages_render(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "couldn" in text(response) and "Learnloop" in text(response)
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
    assert "400" in render_to_string("400.html")


def test_a_learner_opts_out_of_public_leaderboards_in_settings(client, learner):
    client.force_login(learner)
    assert learner.profile.show_on_leaderboards
    data = {"display_name": "Lena", "time_zone": "UTC", "avatar_emoji": "", "avatar_colour": "#4f46e5"}
    assert client.post(reverse("accounts:settings"), data).status_code == 302
    learner.profile.refresh_from_db()
    assert not learner.profile.show_on_leaderboards
