"""The server-rendered account pages, as a user would notice them (status codes, what the page
says, where it sends you, what ends up in the database): "Who's
learning?", graduation and privacy."""

import re
from datetime import timedelta

import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.acting import SESSION_KEY
from accounts.models import GraduationInvite, LinkRole, ProfileLink, User
from tests.accounts.page_helpers import NEW_PASSWORD, link_by_code, names_kit, text

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
