"""The server-rendered account pages, as a user would notice them: status codes, what the page
says, where it sends you, and what ends up in the database."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.acting import SESSION_KEY
from accounts.models import GraduationInvite, LinkCode, LinkRole, Profile, ProfileLink, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-long-passphrase"


@pytest.fixture(autouse=True)
def _clear_lockout_counters():
    # Lockout counters live in the (process-wide) cache; keep each test's sign-ins its own.
    cache.clear()
    yield
    cache.clear()


def text(response):
    return response.content.decode()


def names_kit(response):
    """Whether the page shows the child's name (as a word: the time zone list has St Kitts)."""
    return re.search(r"\bKit\b", text(response)) is not None


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


def link_by_code(holder, role, *, accepter, profile=None):
    code = services.link_code_create(user=holder, role=role)
    return services.link_code_accept(user=accepter, code=code.code, profile=profile)


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


# --- family & students -----------------------------------------------------------------------


def test_family_page_lists_children_and_linked_learners(client, parent, child, learner, teacher):
    link_by_code(parent, LinkRole.PARENT, accepter=learner)
    client.force_login(parent)
    response = client.get(reverse("accounts:family"))
    body = text(response)
    assert response.status_code == 200
    assert "Kit" in body and "Lena" in body
    assert "Managed profile" in body and "Own login" in body
    assert reverse("accounts:profile_access", args=[child.pk]) in body
    assert reverse("accounts:profile_export", args=[child.pk]) in body
    assert reverse("accounts:profile_delete", args=[child.pk]) in body
    # Parent may drop the link to Lena, never the creator link to Kit.
    lena_link = ProfileLink.objects.get(user=parent, profile=learner.profile)
    kit_link = ProfileLink.objects.get(user=parent, profile=child)
    assert reverse("accounts:link_remove", args=[lena_link.pk]) in body
    assert reverse("accounts:link_remove", args=[kit_link.pk]) not in body
    # Managing Lena's own account is not the parent's business.
    assert reverse("accounts:profile_delete", args=[learner.profile.pk]) not in body


def test_family_page_queries_are_bounded(client, parent, learner, django_assert_max_num_queries):
    for name in ("Kit", "Max", "Ada", "Bo", "Cy", "Di", "Eve", "Fay"):
        services.managed_profile_create(guardian=parent, display_name=name)
    link_by_code(parent, LinkRole.PARENT, accepter=learner)
    services.link_code_create(user=parent, role=LinkRole.TEACHER)
    client.force_login(parent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:family"))
    assert response.status_code == 200 and "Fay" in text(response)


def test_create_managed_profile(client, parent):
    client.force_login(parent)
    response = client.post(
        reverse("accounts:managed_profile_create"), {"display_name": "Kit", "role": "parent", "avatar_emoji": "🐢"}
    )
    assert response.status_code == 302
    kit = Profile.objects.get(display_name="Kit")
    assert kit.is_managed and kit.created_by == parent and kit.avatar_emoji == "🐢"
    assert ProfileLink.objects.filter(user=parent, profile=kit, role="parent").exists()
    assert "Kit is ready to learn" in text(client.get(reverse("accounts:family")))


@pytest.mark.parametrize(
    "data", [{"display_name": "  ", "role": "parent"}, {"display_name": "Kit", "role": "uncle"}, {"role": "parent"}]
)
def test_create_managed_profile_bad_input(client, parent, data):
    client.force_login(parent)
    response = client.post(reverse("accounts:managed_profile_create"), data)
    assert response.status_code == 400
    assert response.context["create_form"].errors
    assert 'class="field-error"' in text(response)
    assert not Profile.objects.filter(created_by=parent).exists()


def test_rename_child(client, parent, child):
    client.force_login(parent)
    response = client.post(reverse("accounts:profile_rename", args=[child.pk]), {"display_name": "Kitty"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.display_name == "Kitty"
    bad = client.post(reverse("accounts:profile_rename", args=[child.pk]), {"display_name": "x" * 61})
    assert bad.status_code == 400 and "at most 60 characters" in text(bad)
    child.refresh_from_db()
    assert child.display_name == "Kitty"


def test_viewer_may_not_rename_and_stranger_gets_404(client, parent, child, teacher, other_parent):
    link_by_code(teacher, LinkRole.TEACHER, accepter=parent, profile=child)
    client.force_login(teacher)
    assert client.post(reverse("accounts:profile_rename", args=[child.pk]), {"display_name": "X"}).status_code == 403
    client.force_login(other_parent)
    assert client.post(reverse("accounts:profile_rename", args=[child.pk]), {"display_name": "X"}).status_code == 404
    child.refresh_from_db()
    assert child.display_name == "Kit"


def test_delete_confirmation_deletes_the_profile(client, parent, child):
    client.force_login(parent)
    url = reverse("accounts:profile_delete", args=[child.pk])
    page = client.get(url)
    assert page.status_code == 200 and "This deletes everything recorded for Kit" in text(page)
    wrong = client.post(url, {"confirm_name": "Kat"})
    assert wrong.status_code == 400 and "nothing was deleted" in text(wrong)
    assert Profile.objects.filter(pk=child.pk).exists()
    response = client.post(url, {"confirm_name": " kit "})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:family")
    assert not Profile.objects.filter(pk=child.pk).exists()
    assert not ProfileLink.objects.filter(profile_id=child.pk).exists()


def test_delete_refused_for_strangers_and_viewers(client, parent, child, teacher, other_parent):
    link_by_code(teacher, LinkRole.TEACHER, accepter=parent, profile=child)
    url = reverse("accounts:profile_delete", args=[child.pk])
    client.force_login(teacher)
    assert client.post(url, {"confirm_name": "Kit"}).status_code == 403
    client.force_login(other_parent)
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm_name": "Kit"}).status_code == 404
    assert Profile.objects.filter(pk=child.pk).exists()


def test_data_download_is_a_json_attachment(client, parent, child):
    client.force_login(parent)
    response = client.get(reverse("accounts:profile_export", args=[child.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="learnloop-kit-\d{4}-\d{2}-\d{2}\.json"', disposition)
    data = json.loads(response.content)
    assert data["profile"]["id"] == child.pk and data["profile"]["display_name"] == "Kit"
    assert data["access"][0]["email"] == parent.email


def test_data_download_refused_for_others(client, parent, child, teacher, other_parent):
    link_by_code(teacher, LinkRole.TEACHER, accepter=parent, profile=child)
    client.force_login(teacher)
    assert client.get(reverse("accounts:profile_export", args=[child.pk])).status_code == 403
    client.force_login(other_parent)
    assert client.get(reverse("accounts:profile_export", args=[child.pk])).status_code == 404


def test_link_code_create_and_list(client, teacher):
    client.force_login(teacher)
    response = client.post(reverse("accounts:link_code_create"), {"role": "teacher"})
    assert response.status_code == 302
    code = LinkCode.objects.get(created_by=teacher)
    page = text(client.get(reverse("accounts:family")))
    assert code.code in page
    bad = client.post(reverse("accounts:link_code_create"), {"role": "admin"})
    assert bad.status_code == 400 and LinkCode.objects.filter(created_by=teacher).count() == 1
    # Used and expired codes are no longer listed.
    with time_machine.travel(timezone.now() + timedelta(hours=settings.LINK_CODE_TTL_HOURS + 1)):
        assert code.code not in text(client.get(reverse("accounts:family")))


# --- accepting link codes --------------------------------------------------------------------


def test_accept_code_for_own_profile(client, learner, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    client.force_login(learner)
    page = client.get(reverse("accounts:link_accept"))
    assert page.status_code == 200 and '<select name="profile"' not in text(page), "one profile: no choice to make"
    response = client.post(reverse("accounts:link_accept"), {"code": code.code.lower()})
    assert response.status_code == 302
    assert ProfileLink.objects.filter(user=teacher, profile=learner.profile, role="teacher").exists()


def test_parent_accepts_a_code_for_their_child(client, parent, child, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    client.force_login(parent)
    page = client.get(reverse("accounts:link_accept"))
    assert 'name="profile"' in text(page) and ">Kit</option>" in text(page)
    response = client.post(reverse("accounts:link_accept"), {"code": code.code, "profile": str(child.pk)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile_access", args=[child.pk])
    assert ProfileLink.objects.filter(user=teacher, profile=child).exists()
    assert not ProfileLink.objects.filter(user=teacher, profile=parent.profile).exists()


def test_accept_code_errors(client, learner, teacher):
    client.force_login(learner)
    url = reverse("accounts:link_accept")

    response = client.post(url, {"code": "ZZZZ-ZZZZ"})
    assert response.status_code == 400 and "That code does not exist" in text(response)

    own = services.link_code_create(user=learner, role=LinkRole.PARENT)
    response = client.post(url, {"code": own.code})
    assert response.status_code == 400 and "cannot link to yourself" in text(response)

    used = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    client.post(url, {"code": used.code})
    response = client.post(url, {"code": used.code})
    assert response.status_code == 400 and "already been used" in text(response)

    again = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    response = client.post(url, {"code": again.code})
    assert response.status_code == 400 and "already has access" in text(response)
    assert LinkCode.objects.get(pk=again.pk).used_at is None

    expired = services.link_code_create(user=learner, role=LinkRole.PARENT)
    with time_machine.travel(timezone.now() + timedelta(hours=settings.LINK_CODE_TTL_HOURS + 1)):
        client.force_login(learner)
        response = client.post(url, {"code": expired.code})
    assert response.status_code == 400 and "expired" in text(response)

    response = client.post(url, {"code": ""})
    assert response.status_code == 400
    assert ProfileLink.objects.filter(profile=learner.profile).count() == 1


def test_accept_code_for_a_profile_one_does_not_manage_is_refused(client, parent, child, other_parent, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    client.force_login(other_parent)
    response = client.post(reverse("accounts:link_accept"), {"code": code.code, "profile": str(child.pk)})
    assert response.status_code == 400
    assert "a learner you manage" in text(response) and not names_kit(response)
    assert not ProfileLink.objects.filter(user=teacher).exists()


# --- who can see -----------------------------------------------------------------------------


def test_access_page_lists_people_and_hides_the_creator_remove_button(client, parent, child, teacher):
    link = link_by_code(teacher, LinkRole.TEACHER, accepter=parent, profile=child)
    creator_link = ProfileLink.objects.get(user=parent, profile=child)
    client.force_login(parent)
    response = client.get(reverse("accounts:profile_access", args=[child.pk]))
    body = text(response)
    assert response.status_code == 200
    assert parent.email in body and teacher.email in body and "Ms Tess" in body
    assert "created this profile" in body
    assert reverse("accounts:link_remove", args=[link.pk]) in body
    assert reverse("accounts:link_remove", args=[creator_link.pk]) not in body


def test_removing_a_link_ends_access_immediately(client, parent, child, teacher):
    link = link_by_code(teacher, LinkRole.TEACHER, accepter=parent, profile=child)
    teacher_client = client.__class__()
    teacher_client.force_login(teacher)
    assert "Kit" in text(teacher_client.get(reverse("accounts:family")))

    client.force_login(parent)
    access_url = reverse("accounts:profile_access", args=[child.pk])
    response = client.post(reverse("accounts:link_remove", args=[link.pk]), {"next": access_url})
    assert response.status_code == 302 and response["Location"] == access_url
    assert not ProfileLink.objects.filter(pk=link.pk).exists()
    assert "no longer has access to Kit" in text(client.get(access_url))
    assert teacher.email not in text(client.get(access_url))

    # The teacher's very next requests no longer reach Kit.
    assert teacher_client.get(reverse("accounts:profile_export", args=[child.pk])).status_code == 404
    assert teacher_client.get(access_url).status_code == 404
    assert not names_kit(teacher_client.get(reverse("accounts:family")))


def test_guardian_creator_link_cannot_be_removed(client, parent, child):
    creator_link = ProfileLink.objects.get(user=parent, profile=child)
    client.force_login(parent)
    response = client.post(reverse("accounts:link_remove", args=[creator_link.pk]), follow=True)
    assert "cannot be removed" in text(response)
    assert ProfileLink.objects.filter(pk=creator_link.pk).exists()


def test_learner_removes_a_teacher_from_their_own_access_page(client, learner, teacher):
    link = link_by_code(teacher, LinkRole.TEACHER, accepter=learner)
    client.force_login(learner)
    assert teacher.email in text(client.get(reverse("accounts:profile_access", args=[learner.profile.pk])))
    client.post(reverse("accounts:link_remove", args=[link.pk]))
    assert not ProfileLink.objects.filter(pk=link.pk).exists()


def test_teacher_removes_own_link(client, learner, teacher):
    link = link_by_code(teacher, LinkRole.TEACHER, accepter=learner)
    client.force_login(teacher)
    response = client.post(reverse("accounts:link_remove", args=[link.pk]))
    assert response["Location"] == reverse("accounts:family")
    assert not ProfileLink.objects.filter(pk=link.pk).exists()


def test_access_page_permissions(client, learner, parent, child, teacher, other_teacher, staff):
    link_by_code(teacher, LinkRole.TEACHER, accepter=parent, profile=child)
    url = reverse("accounts:profile_access", args=[child.pk])
    client.force_login(teacher)
    assert client.get(url).status_code == 403, "a viewer may not manage access"
    client.force_login(staff)
    assert client.get(url).status_code == 403
    for stranger in (learner, other_teacher):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    assert client.get(reverse("accounts:profile_access", args=[999999])).status_code == 404


def test_strangers_cannot_remove_links(client, learner, teacher, other_teacher):
    link = link_by_code(teacher, LinkRole.TEACHER, accepter=learner)
    client.force_login(other_teacher)
    assert client.post(reverse("accounts:link_remove", args=[link.pk])).status_code == 404
    assert ProfileLink.objects.filter(pk=link.pk).exists()


# --- who's learning --------------------------------------------------------------------------


def test_parent_switches_to_a_child_and_back(client, parent, child):
    client.force_login(parent)
    home = text(client.get("/"))
    assert "Who's learning?" in home and ">Kit</option>" in home
    response = client.post(reverse("accounts:acting_switch"), {"profile_id": child.pk, "next": "/family/"})
    assert response.status_code == 302 and response["Location"] == "/family/"
    assert client.session[SESSION_KEY] == child.pk
    body = text(client.get("/"))
    assert "Learning as <strong>Kit</strong>" in body and "switch back" in body
    response = client.post(reverse("accounts:acting_stop"), {"next": "https://evil.example.com/"})
    assert response["Location"] == "/", "an outside next is ignored"
    assert SESSION_KEY not in client.session
    assert "Learning as" not in text(client.get("/"))


def test_switching_via_the_picker_back_to_self(client, parent, child):
    client.force_login(parent)
    client.post(reverse("accounts:acting_switch"), {"profile_id": child.pk})
    client.post(reverse("accounts:acting_switch"), {"profile_id": parent.profile.pk})
    assert SESSION_KEY not in client.session


def test_strangers_cannot_switch(client, parent, child, other_parent, teacher, learner):
    client.force_login(other_parent)
    response = client.post(reverse("accounts:acting_switch"), {"profile_id": child.pk})
    assert response.status_code == 404 and not names_kit(response)
    assert client.post(reverse("accounts:acting_switch"), {"profile_id": "nonsense"}).status_code == 404
    assert client.get(reverse("accounts:acting_switch")).status_code == 405
    # A teacher linked to a learner with their own login may see but never act as them.
    link_by_code(teacher, LinkRole.TEACHER, accepter=learner)
    client.force_login(teacher)
    assert client.post(reverse("accounts:acting_switch"), {"profile_id": learner.profile.pk}).status_code == 403
    assert SESSION_KEY not in client.session


def test_acting_ends_when_access_ends(client, parent, child, other_parent):
    link = link_by_code(other_parent, LinkRole.PARENT, accepter=parent, profile=child)
    client.force_login(other_parent)
    client.post(reverse("accounts:acting_switch"), {"profile_id": child.pk})
    assert "Learning as <strong>Kit</strong>" in text(client.get("/"))
    services.link_remove(actor=parent, link=link)
    body = text(client.get("/"))
    assert "Learning as" not in body and not re.search(r"\bKit\b", body)


# --- graduation ------------------------------------------------------------------------------


def _start_graduation(client, parent, child):
    client.force_login(parent)
    response = client.post(reverse("accounts:graduation_invite", args=[child.pk]))
    assert response.status_code == 302
    page = client.get(response["Location"])
    invite = GraduationInvite.objects.filter(profile=child).latest("created_at")
    assert reverse("accounts:graduate", args=[invite.token]) in text(page)
    return invite


def test_graduation_keeps_the_same_profile(client, parent, child):
    invite = _start_graduation(client, parent, child)
    client.logout()
    url = reverse("accounts:graduate", args=[invite.token])
    page = client.get(url)
    assert page.status_code == 200 and "Kit" in text(page)
    response = client.post(url, {"email": "kit@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    new_user = User.objects.get(email="kit@example.com")
    assert new_user.profile.pk == child.pk
    assert ProfileLink.objects.filter(user=parent, profile_id=child.pk).exists()
    assert "Welcome, Kit!" in text(client.get("/"))
    client.logout()
    assert client.login(username="kit@example.com", password=NEW_PASSWORD)
    # The invite works once.
    client.logout()
    assert client.get(url).status_code == 410


def test_graduation_bad_input_writes_nothing(client, parent, child, learner):
    invite = _start_graduation(client, parent, child)
    client.logout()
    url = reverse("accounts:graduate", args=[invite.token])
    cases = [
        ({"email": "LENA@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, "already exists"),
        ({"email": "kit@example.com", "password1": "12345", "password2": "12345"}, "too short"),
        ({"email": "kit@example.com", "password1": NEW_PASSWORD, "password2": "different-words-here"}, "do not match"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400 and message in text(response)
    child.refresh_from_db()
    assert child.is_managed
    assert GraduationInvite.objects.get(pk=invite.pk).used_at is None
    assert not User.objects.filter(email="kit@example.com").exists()


def test_graduation_unknown_and_expired_tokens(client, parent, child):
    assert client.get(reverse("accounts:graduate", args=["no-such-token"])).status_code == 404
    invite = services.graduation_invite_create(actor=parent, profile=child)
    url = reverse("accounts:graduate", args=[invite.token])
    with time_machine.travel(timezone.now() + timedelta(hours=settings.GRADUATION_INVITE_TTL_HOURS + 1)):
        response = client.get(url)
        assert response.status_code == 410 and "expired" in text(response)
        assert not names_kit(response)
        response = client.post(url, {"email": "kit@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 410
    assert not User.objects.filter(email="kit@example.com").exists()


def test_a_newer_invite_replaces_the_old_one(client, parent, child):
    first = services.graduation_invite_create(actor=parent, profile=child)
    _start_graduation(client, parent, child)
    client.logout()
    assert client.get(reverse("accounts:graduate", args=[first.token])).status_code == 410


def test_signed_in_visitor_is_told_a_new_account_is_made(client, parent, child, learner):
    invite = services.graduation_invite_create(actor=parent, profile=child)
    client.force_login(learner)
    page = text(client.get(reverse("accounts:graduate", args=[invite.token])))
    assert "new account" in page and learner.email in page


def test_only_guardians_start_graduation(client, parent, child, other_parent, teacher):
    link_by_code(teacher, LinkRole.TEACHER, accepter=parent, profile=child)
    client.force_login(teacher)
    assert client.post(reverse("accounts:graduation_invite", args=[child.pk])).status_code == 403
    client.force_login(other_parent)
    assert client.post(reverse("accounts:graduation_invite", args=[child.pk])).status_code == 404
    assert not GraduationInvite.objects.exists()


# --- privacy ---------------------------------------------------------------------------------


def test_strangers_never_see_the_childs_name(client, parent, child, other_parent):
    child_urls = [
        reverse(f"accounts:{name}", args=[child.pk])
        for name in ("profile_access", "profile_delete", "profile_export", "graduation_invite")
    ]
    plain = ["/", reverse("accounts:family"), reverse("accounts:settings"), reverse("accounts:link_accept")]
    # Signed out, and signed in as someone unrelated.
    for who in (None, other_parent):
        if who is not None:
            client.force_login(who)
        for url in [*plain, *child_urls, reverse("accounts:login"), reverse("accounts:signup")]:
            response = client.get(url)
            assert response.status_code in (200, 302, 404), url
            assert not names_kit(response), url
        for url in child_urls:
            response = client.post(url, {"confirm_name": "Kit", "display_name": "Kit"})
            assert response.status_code in (302, 404, 405), url
            assert not names_kit(response), url
        response = client.post(reverse("accounts:acting_switch"), {"profile_id": child.pk})
        assert not names_kit(response)


def test_error_pages_render(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "couldn" in text(response) and "Learnloop" in text(response)
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
    assert "400" in render_to_string("400.html")


def test_a_guardian_opts_a_child_into_public_leaderboards_and_out_again(client, parent, child):
    assert not child.show_on_leaderboards
    client.force_login(parent)
    response = client.post(reverse("accounts:profile_leaderboards", args=[child.pk]), {"show_on_leaderboards": "on"})
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.show_on_leaderboards
    client.post(reverse("accounts:profile_leaderboards", args=[child.pk]), {})
    child.refresh_from_db()
    assert not child.show_on_leaderboards


def test_a_learner_opts_out_of_public_leaderboards_in_settings(client, learner):
    client.force_login(learner)
    assert learner.profile.show_on_leaderboards
    data = {"display_name": "Lena", "time_zone": "UTC", "avatar_emoji": "", "avatar_colour": "#4f46e5"}
    assert client.post(reverse("accounts:settings"), data).status_code == 302
    learner.profile.refresh_from_db()
    assert not learner.profile.show_on_leaderboards
