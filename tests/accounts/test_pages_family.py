"""The server-rendered account pages, as a user would notice them (status codes, what the page
says, where it sends you, what ends up in the database): the family page, managed learners,
link codes and who can see a learner."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import LinkCode, LinkRole, Profile, ProfileLink
from tests.accounts.page_helpers import link_by_code, names_kit, text

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
