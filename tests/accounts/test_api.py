"""The accounts JSON API: status codes, the one error envelope, permissions through the API, and
query budgets on every list."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from accounts import acting, services
from accounts.models import GraduationInvite, LinkCode, LinkRole, Profile, ProfileLink
from tests.conftest import PASSWORD, make_user


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Lockout counters and throttle history live in the cache, which outlives each test's
    # database rollback; without this one test's failed sign-ins would lock another's persona.
    cache.clear()
    yield
    cache.clear()


def client_for(user):
    """An API client that authenticates the way a mobile app does: with a token header."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs or None)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def link(holder, profile_owner_user, role=LinkRole.TEACHER):
    """`holder` gets `role` access to `profile_owner_user`'s own profile through a real code."""
    code = services.link_code_create(user=holder, role=role)
    return services.link_code_accept(user=profile_owner_user, code=code.code)


# Tokens, authentication and the error envelope ------------------------------------------------
def test_token_is_obtained_with_email_and_password_and_then_authenticates(learner, api_client):
    response = api_client.post(url("auth-token"), {"email": "  LENA@example.com", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]

    again = api_client.post(url("auth-token"), {"email": "lena@example.com", "password": PASSWORD})
    assert again.json()["token"] == token, "the same token until it is revoked"

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(url("me"))
    assert me.status_code == 200
    assert me.json()["user"]["email"] == "lena@example.com"


def test_wrong_password_and_unknown_email_look_the_same(learner, api_client):
    wrong = api_client.post(url("auth-token"), {"email": "lena@example.com", "password": "nope-nope-nope"})
    unknown = api_client.post(url("auth-token"), {"email": "nobody@example.com", "password": PASSWORD})
    wrong_error = assert_error(wrong, 400, "invalid_credentials")
    assert wrong_error["message"] == assert_error(unknown, 400, "invalid_credentials")["message"]
    assert not Token.objects.exists()


def test_token_request_with_missing_fields_names_them(api_client):
    error = assert_error(api_client.post(url("auth-token"), {"email": "lena@example.com"}), 400, "invalid")
    assert "password" in error["fields"]


def test_account_locks_after_the_failure_limit_but_not_other_accounts_on_the_same_ip(learner, parent, settings):
    client = APIClient(REMOTE_ADDR="10.1.2.3")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post(url("auth-token"), {"email": "lena@example.com", "password": "wrong-password-1"})
        assert_error(response, 400, "invalid_credentials")

    locked = client.post(url("auth-token"), {"email": "lena@example.com", "password": PASSWORD})
    assert_error(locked, 429, "locked_out")
    assert not Token.objects.filter(user=learner).exists()

    other = client.post(url("auth-token"), {"email": "pat@example.com", "password": PASSWORD})
    assert other.status_code == 200, "one child's typos must not lock the whole school's address"


def test_revoking_the_token_signs_the_client_out(learner):
    client = client_for(learner)
    assert client.delete(url("auth-token")).status_code == 204
    assert not Token.objects.filter(user=learner).exists()

    response = client.get(url("me"))
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


PROTECTED = [
    ("get", "me", {}),
    ("patch", "me-profile", {}),
    ("get", "profile-list", {}),
    ("post", "profile-list", {}),
    ("get", "profile-detail", {"profile_id": 1}),
    ("patch", "profile-detail", {"profile_id": 1}),
    ("delete", "profile-detail", {"profile_id": 1}),
    ("get", "profile-access", {"profile_id": 1}),
    ("get", "profile-export", {"profile_id": 1}),
    ("post", "profile-graduation-invite", {"profile_id": 1}),
    ("get", "link-code-list", {}),
    ("post", "link-code-list", {}),
    ("post", "link-code-accept", {}),
    ("get", "link-list", {}),
    ("delete", "link-detail", {"link_id": 1}),
    ("delete", "auth-token", {}),
]


@pytest.mark.parametrize(("method", "name", "kwargs"), PROTECTED)
def test_every_endpoint_needs_a_signed_in_user(db, api_client, method, name, kwargs):
    response = getattr(api_client, method)(url(name, **kwargs), {})
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_an_invalid_token_is_401(db, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.get(url("me"))
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_api_url_is_a_json_404(learner):
    response = client_for(learner).get("/api/v1/no-such-thing/")
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 404, "not_found")


def test_wrong_method_is_405_envelope(learner):
    assert_error(client_for(learner).put(url("me"), {}), 405, "method_not_allowed")


def test_malformed_json_is_400_parse_error(learner):
    response = client_for(learner).generic("PATCH", url("me-profile"), "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_unsupported_media_type_is_415_envelope(learner):
    response = client_for(learner).generic("PATCH", url("me-profile"), "display_name", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def test_throttled_requests_get_429_envelope_with_retry_after(learner, api_client, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"user": "2/min", "anon": "2/min"})
    client = client_for(learner)
    assert client.get(url("me")).status_code == 200
    assert client.get(url("me")).status_code == 200
    response = client.get(url("me"))
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0

    for _ in range(2):
        api_client.post(url("auth-token"), {"email": "x@example.com", "password": "x"})
    assert_error(api_client.post(url("auth-token"), {"email": "x@example.com", "password": "x"}), 429, "throttled")


# Me and the acting profile --------------------------------------------------------------------
def test_me_shows_user_own_profile_and_acting_profile(learner, django_assert_max_num_queries):
    client = client_for(learner)
    with django_assert_max_num_queries(2):  # token, own profile
        body = client.get(url("me")).json()
    assert body["user"] == {
        "id": learner.pk,
        "email": "lena@example.com",
        "date_joined": body["user"]["date_joined"],
    }
    assert body["profile"]["id"] == learner.profile.pk
    assert body["profile"]["display_name"] == "Lena"
    assert body["profile"]["is_managed"] is False
    assert body["active_profile_id"] == learner.profile.pk


def test_token_client_of_a_parent_acts_as_a_child_with_the_header(parent, child):
    client = client_for(parent)
    assert client.get(url("me")).json()["active_profile_id"] == parent.profile.pk
    response = client.get(url("me"), HTTP_X_PROFILE_ID=str(child.pk))
    assert response.status_code == 200
    assert response.json()["active_profile_id"] == child.pk


def test_acting_as_a_strangers_profile_is_404(parent, other_parent, learner):
    strangers_child = services.managed_profile_create(guardian=other_parent, display_name="Zed")
    client = client_for(parent)
    assert_error(client.get(url("me"), HTTP_X_PROFILE_ID=str(strangers_child.pk)), 404, "not_found")
    assert_error(client.get(url("me"), HTTP_X_PROFILE_ID=str(learner.profile.pk)), 404, "not_found")
    assert_error(client.get(url("me"), HTTP_X_PROFILE_ID="not-a-number"), 404, "not_found")


def test_a_teacher_who_may_view_a_learner_may_not_act_as_them(teacher, learner):
    link(teacher, learner)
    error = assert_error(
        client_for(teacher).get(url("me"), HTTP_X_PROFILE_ID=str(learner.profile.pk)), 403, "permission_denied"
    )
    assert "act" in error["message"]


def test_session_clients_act_as_the_profile_chosen_in_the_session(parent, child):
    client = APIClient()
    client.force_login(parent)
    session = client.session
    session[acting.SESSION_KEY] = child.pk
    session.save()
    assert client.get(url("me")).json()["active_profile_id"] == child.pk


def test_session_choice_is_rechecked_when_access_ends(parent, other_parent, learner):
    strangers_child = services.managed_profile_create(guardian=other_parent, display_name="Zed")
    client = APIClient()
    client.force_login(parent)
    session = client.session
    session[acting.SESSION_KEY] = strangers_child.pk
    session.save()
    assert client.get(url("me")).json()["active_profile_id"] == parent.profile.pk


# Own profile ----------------------------------------------------------------------------------
def test_updating_own_profile(learner):
    response = client_for(learner).patch(
        url("me-profile"), {"display_name": "  Lena L ", "time_zone": "Asia/Tokyo", "avatar_colour": "#16a34a"}
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Lena L"
    profile = Profile.objects.get(user=learner)
    assert (profile.display_name, profile.time_zone, profile.avatar_colour) == ("Lena L", "Asia/Tokyo", "#16a34a")


def test_invalid_time_zone_is_refused_and_nothing_is_saved(learner):
    response = client_for(learner).patch(url("me-profile"), {"display_name": "Renamed", "time_zone": "Mars/Olympus"})
    error = assert_error(response, 400, "invalid_timezone")
    assert "time_zone" in error["fields"]
    profile = Profile.objects.get(user=learner)
    assert (profile.display_name, profile.time_zone) == ("Lena", "UTC")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"display_name": "   "}, "display_name"),
        ({"avatar_colour": "#000000"}, "avatar_colour"),
        ({"display_name": "x" * 61}, "display_name"),
    ],
)
def test_bad_profile_fields_are_named(learner, payload, field):
    error = assert_error(client_for(learner).patch(url("me-profile"), payload), 400)
    assert field in error["fields"]


# Profiles -------------------------------------------------------------------------------------
def test_profile_list_is_paginated_and_bounded_in_queries(parent, teacher, learner, django_assert_max_num_queries):
    for i in range(8):
        services.managed_profile_create(guardian=parent, display_name=f"Kid {i}")
    code = services.link_code_create(user=parent, role=LinkRole.PARENT)
    services.link_code_accept(user=learner, code=code.code)
    client = client_for(parent)

    with django_assert_max_num_queries(3):  # token, count, page
        response = client.get(url("profile-list"))
    body = response.json()
    assert body["count"] == 10
    assert parent.profile.pk in {p["id"] for p in body["results"]}
    assert {p["display_name"] for p in body["results"]} >= {"Kid 0", "Kid 7", "Lena"}

    page = client.get(url("profile-list"), {"page_size": 3, "page": 2}).json()
    assert len(page["results"]) == 3 and page["next"] and page["previous"]
    assert_error(client.get(url("profile-list"), {"page": 99}), 404, "not_found")
    assert client_for(teacher).get(url("profile-list")).json()["count"] == 1


def test_creating_a_managed_profile(teacher):
    response = client_for(teacher).post(
        url("profile-list"), {"display_name": "Class pupil", "role": "teacher", "avatar_emoji": "🦊"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["is_managed"] is True and body["avatar_emoji"] == "🦊"
    link = ProfileLink.objects.get(profile_id=body["id"])
    assert (link.user, link.role, link.origin) == (teacher, LinkRole.TEACHER, ProfileLink.Origin.CREATED)
    assert body["time_zone"] == "UTC", "defaults to the guardian's own time zone"


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"display_name": "Kid", "role": "parent", "time_zone": "Nowhere/City"}, "invalid_timezone", "time_zone"),
        ({"display_name": "Kid", "role": "grandparent"}, "invalid", "role"),
        ({"display_name": "   ", "role": "parent"}, "invalid", "display_name"),
        ({"role": "parent"}, "invalid", "display_name"),
    ],
)
def test_creating_a_profile_with_bad_input_writes_nothing(parent, payload, code, field):
    before = (Profile.objects.count(), ProfileLink.objects.count())
    error = assert_error(client_for(parent).post(url("profile-list"), payload), 400, code)
    assert field in error["fields"]
    assert (Profile.objects.count(), ProfileLink.objects.count()) == before


def test_profile_detail_for_guardian_viewer_and_stranger(parent, child, teacher, learner, other_parent):
    link(teacher, learner)
    assert client_for(parent).get(url("profile-detail", profile_id=child.pk)).json()["display_name"] == "Kit"
    assert client_for(teacher).get(url("profile-detail", profile_id=learner.profile.pk)).status_code == 200
    assert_error(client_for(other_parent).get(url("profile-detail", profile_id=child.pk)), 404, "not_found")
    assert_error(client_for(parent).get(url("profile-detail", profile_id=999999)), 404, "not_found")


def test_guardian_updates_a_managed_profile_but_a_viewer_may_not(parent, child, teacher, learner):
    response = client_for(parent).patch(url("profile-detail", profile_id=child.pk), {"avatar_emoji": "🐢"})
    assert response.status_code == 200
    child.refresh_from_db()
    assert child.avatar_emoji == "🐢"

    link(teacher, learner)
    target = url("profile-detail", profile_id=learner.profile.pk)
    assert_error(client_for(teacher).patch(target, {"display_name": "Hacked"}), 403, "permission_denied")
    assert_error(client_for(teacher).delete(target), 403, "permission_denied")
    learner.profile.refresh_from_db()
    assert learner.profile.display_name == "Lena"


def test_guardian_deletes_a_managed_profile(parent, child):
    assert client_for(parent).delete(url("profile-detail", profile_id=child.pk)).status_code == 204
    assert not Profile.objects.filter(pk=child.pk).exists()
    assert not ProfileLink.objects.filter(profile_id=child.pk).exists()


def test_deleting_an_own_login_profile_is_a_conflict(learner):
    response = client_for(learner).delete(url("profile-detail", profile_id=learner.profile.pk))
    assert_error(response, 409, "not_managed")
    assert Profile.objects.filter(user=learner).exists()


def test_access_list_shows_everyone_with_access(parent, child, other_parent, teacher, django_assert_max_num_queries):
    code = services.link_code_create(user=other_parent, role=LinkRole.PARENT)
    services.link_code_accept(user=parent, code=code.code, profile=child)
    for i in range(5):
        someone = make_user(f"t{i}@example.com", display_name=f"Teacher {i}")
        code = services.link_code_create(user=someone, role=LinkRole.TEACHER)
        services.link_code_accept(user=parent, code=code.code, profile=child)
    client = client_for(parent)

    with django_assert_max_num_queries(4):  # token, profile, caller's link role, links with holders
        response = client.get(url("profile-access", profile_id=child.pk))
    entries = response.json()
    assert len(entries) == 7
    first = entries[0]
    assert first["email"] == "pat@example.com" and first["display_name"] == "Pat Parent"
    assert first["kind"] == "Parent · created this profile" and first["link_id"] is not None
    assert first["removable"] is False, "the creating guardian's link cannot be removed"
    assert entries[1]["display_name"] == "Quinn" and entries[1]["removable"] is True

    assert_error(client_for(teacher).get(url("profile-access", profile_id=child.pk)), 404)
    assert client_for(other_parent).get(url("profile-access", profile_id=child.pk)).status_code == 200, (
        "a linked parent is a guardian too"
    )


def test_access_list_for_an_own_profile_starts_with_the_owner(learner, teacher):
    link(teacher, learner)
    entries = client_for(learner).get(url("profile-access", profile_id=learner.profile.pk)).json()
    assert [e["kind"] for e in entries] == ["Owner (own login)", "Teacher"]
    assert entries[0]["link_id"] is None and entries[0]["removable"] is False
    assert entries[1]["removable"] is True
    assert_error(client_for(teacher).get(url("profile-access", profile_id=learner.profile.pk)), 403)


def test_export(parent, child, other_parent):
    body = client_for(parent).get(url("profile-export", profile_id=child.pk)).json()
    assert body["profile"]["id"] == child.pk and body["profile"]["has_own_login"] is False
    assert body["access"][0]["email"] == "pat@example.com"
    assert_error(client_for(other_parent).get(url("profile-export", profile_id=child.pk)), 404)


def test_graduation_invite(parent, child, learner):
    response = client_for(parent).post(url("profile-graduation-invite", profile_id=child.pk))
    assert response.status_code == 201
    invite = GraduationInvite.objects.get(profile=child)
    assert response.json()["invite_url"] == f"http://testserver/graduate/{invite.token}/"
    assert response.json()["expires_at"]

    own = client_for(learner).post(url("profile-graduation-invite", profile_id=learner.profile.pk))
    assert_error(own, 409, "not_managed")
    assert not GraduationInvite.objects.filter(profile=learner.profile).exists()


# Link codes -----------------------------------------------------------------------------------
def test_creating_and_listing_link_codes(teacher, other_teacher, learner, django_assert_max_num_queries):
    client = client_for(teacher)
    response = client.post(url("link-code-list"), {"role": "teacher"})
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"code", "role", "expires_at"} and created["role"] == "teacher"
    for _ in range(4):
        services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    used = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    services.link_code_accept(user=learner, code=used.code)
    expired = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    LinkCode.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    services.link_code_create(user=other_teacher, role=LinkRole.TEACHER)

    with django_assert_max_num_queries(3):  # token, count, page
        body = client.get(url("link-code-list")).json()
    assert body["count"] == 5
    codes = {c["code"] for c in body["results"]}
    assert created["code"] in codes and used.code not in codes and expired.code not in codes

    assert_error(client.post(url("link-code-list"), {"role": "headteacher"}), 400, "invalid")


def test_accepting_a_link_code_for_own_profile(learner, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    typed = f"{code.code[:4].lower()}-{code.code[4:]}"
    response = client_for(learner).post(url("link-code-accept"), {"code": typed})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "tess@example.com" and body["profile"]["id"] == learner.profile.pk
    assert (body["role"], body["origin"]) == ("teacher", "code")


def test_a_parent_accepts_a_code_for_a_managed_child(parent, child, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    response = client_for(parent).post(url("link-code-accept"), {"code": code.code, "profile_id": child.pk})
    assert response.status_code == 201
    assert ProfileLink.objects.filter(user=teacher, profile=child).exists()


def test_accepting_for_a_profile_one_may_not_manage(parent, other_parent, teacher, learner):
    strangers_child = services.managed_profile_create(guardian=other_parent, display_name="Zed")
    link(teacher, learner)
    code = services.link_code_create(user=parent, role=LinkRole.PARENT)
    client = client_for(teacher)
    assert_error(client.post(url("link-code-accept"), {"code": code.code, "profile_id": strangers_child.pk}), 404)
    assert_error(client.post(url("link-code-accept"), {"code": code.code, "profile_id": learner.profile.pk}), 403)
    assert LinkCode.objects.get(pk=code.pk).used_at is None


def test_link_code_errors(learner, other_learner, teacher):
    client = client_for(learner)
    accept = url("link-code-accept")

    assert_error(client.post(accept, {"code": "ZZZZ-ZZZZ"}), 404, "unknown_code")
    assert "code" in assert_error(client.post(accept, {}), 400, "invalid")["fields"]

    used = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    services.link_code_accept(user=other_learner, code=used.code)
    assert_error(client.post(accept, {"code": used.code}), 410, "code_used")

    expired = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    LinkCode.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.post(accept, {"code": expired.code}), 410, "code_expired")

    own = services.link_code_create(user=learner, role=LinkRole.PARENT)
    assert_error(client.post(accept, {"code": own.code}), 400, "own_code")

    link(teacher, learner)
    again = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    assert_error(client.post(accept, {"code": again.code}), 409, "already_linked")

    assert LinkCode.objects.get(pk=again.pk).used_at is None, "a refused accept leaves the code usable"
    assert LinkCode.objects.get(pk=expired.pk).used_at is None
    assert LinkCode.objects.get(pk=own.pk).used_at is None
    assert ProfileLink.objects.filter(profile=learner.profile).count() == 1


# Links ----------------------------------------------------------------------------------------
def test_link_list_shows_held_links_and_links_on_managed_profiles(
    parent, child, teacher, other_teacher, learner, django_assert_max_num_queries
):
    children = [child] + [services.managed_profile_create(guardian=parent, display_name=f"Kid {i}") for i in range(4)]
    for kid in children:
        code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
        services.link_code_accept(user=parent, code=code.code, profile=kid)
    held = link(parent, learner, role=LinkRole.PARENT)
    unrelated = link(other_teacher, learner)
    client = client_for(parent)

    with django_assert_max_num_queries(3):  # token, count, page with holders and profiles joined
        body = client.get(url("link-list")).json()
    ids = {entry["id"] for entry in body["results"]}
    assert body["count"] == 5 + 5 + 1, "5 created links, 5 teacher links on the kids, 1 held"
    assert held.pk in ids and unrelated.pk not in ids
    entry = next(e for e in body["results"] if e["id"] == held.pk)
    assert entry["user"]["display_name"] == "Pat Parent" and entry["profile"]["display_name"] == "Lena"

    teacher_view = client_for(teacher).get(url("link-list")).json()
    assert teacher_view["count"] == 5


def test_either_side_removes_a_link(learner, teacher, other_teacher):
    first = link(teacher, learner)
    assert client_for(teacher).delete(url("link-detail", link_id=first.pk)).status_code == 204
    second = link(teacher, learner)
    assert client_for(learner).delete(url("link-detail", link_id=second.pk)).status_code == 204
    assert not ProfileLink.objects.filter(profile=learner.profile).exists()


def test_removing_someone_elses_link(learner, other_learner, teacher, other_teacher):
    target = link(teacher, learner)
    link(other_teacher, learner)
    assert_error(client_for(other_learner).delete(url("link-detail", link_id=target.pk)), 404, "not_found")
    assert_error(client_for(other_teacher).delete(url("link-detail", link_id=target.pk)), 403, "permission_denied")
    assert_error(client_for(learner).delete(url("link-detail", link_id=999999)), 404, "not_found")
    assert ProfileLink.objects.filter(pk=target.pk).exists()


def test_the_creating_guardians_link_cannot_be_removed(parent, child):
    created = ProfileLink.objects.get(profile=child, user=parent)
    assert_error(client_for(parent).delete(url("link-detail", link_id=created.pk)), 409, "guardian_link")
    assert ProfileLink.objects.filter(pk=created.pk).exists()
