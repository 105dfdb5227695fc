from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts import services
from accounts.errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from accounts.models import GraduationInvite, LinkCode, LinkRole, Profile, ProfileLink, User
from tests.concurrency import race
from tests.conftest import PASSWORD, make_user


def test_link_code_is_forgiving_about_case_spaces_and_dashes(learner, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    typed = f" {code.code[:4].lower()}-{code.code[4:].lower()} "
    link = services.link_code_accept(user=learner, code=typed)
    assert (link.user, link.profile, link.role) == (teacher, learner.profile, LinkRole.TEACHER)


def test_used_code_is_refused_and_nothing_changes(learner, other_learner, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    services.link_code_accept(user=learner, code=code.code)
    with pytest.raises(Gone) as error:
        services.link_code_accept(user=other_learner, code=code.code)
    assert error.value.code == "code_used"
    assert not ProfileLink.objects.filter(profile=other_learner.profile).exists()


def test_expired_code_is_refused(learner, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    with time_machine.travel(timezone.now() + timedelta(days=30)), pytest.raises(Gone) as error:
        services.link_code_accept(user=learner, code=code.code)
    assert error.value.code == "code_expired"
    assert LinkCode.objects.get(pk=code.pk).used_at is None


def test_unknown_own_and_duplicate_codes(learner, teacher):
    with pytest.raises(NotFound):
        services.link_code_accept(user=learner, code="ZZZZZZZZ")
    own = services.link_code_create(user=learner, role=LinkRole.PARENT)
    with pytest.raises(InvalidInput):
        services.link_code_accept(user=learner, code=own.code)
    first = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    services.link_code_accept(user=learner, code=first.code)
    again = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    with pytest.raises(Conflict):
        services.link_code_accept(user=learner, code=again.code)
    assert LinkCode.objects.get(pk=again.pk).used_at is None, "a refused accept must not burn the code"


def test_accepting_for_a_profile_one_does_not_manage_is_refused(learner, teacher, child):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    with pytest.raises(PermissionDenied):
        services.link_code_accept(user=learner, code=code.code, profile=child)


def test_either_side_may_remove_a_link_but_strangers_may_not(learner, other_learner, teacher):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    link = services.link_code_accept(user=learner, code=code.code)
    with pytest.raises(PermissionDenied):
        services.link_remove(actor=other_learner, link=link)
    services.link_remove(actor=teacher, link=link)
    assert not ProfileLink.objects.filter(pk=link.pk).exists()


def test_the_creating_guardian_cannot_be_unlinked(parent, child):
    link = child.links.get(user=parent)
    with pytest.raises(Conflict):
        services.link_remove(actor=parent, link=link)
    assert ProfileLink.objects.filter(pk=link.pk).exists()


def test_graduation_keeps_the_same_profile_row_and_the_parent_link(parent, child):
    invite = services.graduation_invite_create(actor=parent, profile=child)
    user = services.graduation_accept(token=invite.token, email="Kit@Example.com", password=PASSWORD)
    assert user.profile.pk == child.pk
    assert Profile.objects.filter(pk=child.pk, user=user).exists()
    assert child.links.filter(user=parent, role=LinkRole.PARENT).exists()
    with pytest.raises(Gone):
        services.graduation_accept(token=invite.token, email="kit2@example.com", password=PASSWORD)


def test_graduation_with_a_taken_email_writes_nothing(parent, child, learner):
    invite = services.graduation_invite_create(actor=parent, profile=child)
    with pytest.raises(InvalidInput):
        services.graduation_accept(token=invite.token, email="LENA@example.com", password=PASSWORD)
    child.refresh_from_db()
    assert child.is_managed and GraduationInvite.objects.get(pk=invite.pk).used_at is None


def test_a_new_invite_retires_the_old_one(parent, child):
    old = services.graduation_invite_create(actor=parent, profile=child)
    services.graduation_invite_create(actor=parent, profile=child)
    with pytest.raises(Gone):
        services.graduation_invite_get(token=old.token)


def test_only_the_guardian_may_delete_a_child_and_it_takes_its_links(parent, other_parent, child):
    with pytest.raises(PermissionDenied):
        services.managed_profile_delete(actor=other_parent, profile=child)
    services.managed_profile_delete(actor=parent, profile=child)
    assert not Profile.objects.filter(pk=child.pk).exists()
    assert not ProfileLink.objects.filter(profile_id=child.pk).exists()


def test_invalid_timezone_and_blank_name_are_refused(parent, child):
    with pytest.raises(InvalidInput) as error:
        services.profile_update(actor=parent, profile=child, time_zone="Europe/Atlantis")
    assert "time_zone" in error.value.fields
    with pytest.raises(InvalidInput):
        services.managed_profile_create(guardian=parent, display_name="   ")
    child.refresh_from_db()
    assert child.time_zone == "UTC"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_accepts_of_one_code_link_exactly_one_learner():
    teacher = make_user("t@example.com")
    learners = [make_user(f"l{i}@example.com") for i in range(4)]
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    outcomes = race(4, lambda i: services.link_code_accept(user=learners[i], code=code.code))
    assert sum(isinstance(o, ProfileLink) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, (ProfileLink, Gone)) for o in outcomes), outcomes
    assert ProfileLink.objects.filter(user=teacher).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_signups_with_one_email_in_different_cases_make_one_user():
    emails = ["race@example.com", "RACE@example.com", "Race@Example.com"]
    outcomes = race(3, lambda i: services.user_register(email=emails[i], password=PASSWORD))
    assert sum(isinstance(o, User) for o in outcomes) == 1
    assert all(isinstance(o, (User, InvalidInput)) for o in outcomes), outcomes
    assert User.objects.count() == 1 and Profile.objects.count() == 1
