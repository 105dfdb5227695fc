"""The permission module, table-driven over every role and every kind of profile."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import permissions, services
from accounts.errors import NotFound, PermissionDenied
from accounts.models import LinkRole

ROLES = ["learner", "other_learner", "parent", "other_parent", "teacher", "other_teacher", "staff", "anonymous"]

# (view, act as, manage) per role, for each kind of profile in the `world` fixture.
EXPECTED = {
    # The learner's own profile; the teacher was linked with the learner's consent (code).
    "own_profile": {
        "learner": (True, True, True),
        "other_learner": (False, False, False),
        "parent": (False, False, False),
        "other_parent": (False, False, False),
        "teacher": (True, False, False),
        "other_teacher": (False, False, False),
        "staff": (True, False, False),
        "anonymous": (False, False, False),
    },
    # A managed child the parent created; the parent let the teacher follow it with a code.
    "parents_child": {
        "learner": (False, False, False),
        "other_learner": (False, False, False),
        "parent": (True, True, True),
        "other_parent": (False, False, False),
        "teacher": (True, False, False),
        "other_teacher": (False, False, False),
        "staff": (True, False, False),
        "anonymous": (False, False, False),
    },
    # A managed student the teacher created: teachers act only as profiles they created.
    "teachers_student": {
        "learner": (False, False, False),
        "other_learner": (False, False, False),
        "parent": (False, False, False),
        "other_parent": (False, False, False),
        "teacher": (True, True, True),
        "other_teacher": (False, False, False),
        "staff": (True, False, False),
        "anonymous": (False, False, False),
    },
    # The parent's child after graduating to a login of its own: the parent keeps watching only.
    "graduated_child": {
        "learner": (False, False, False),
        "other_learner": (False, False, False),
        "parent": (True, False, False),
        "other_parent": (False, False, False),
        "teacher": (False, False, False),
        "other_teacher": (False, False, False),
        "staff": (True, False, False),
        "anonymous": (False, False, False),
    },
}


@pytest.fixture
def world(learner, other_learner, parent, other_parent, teacher, other_teacher, staff, child):
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    services.link_code_accept(user=learner, code=code.code)
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    services.link_code_accept(user=parent, code=code.code, profile=child)
    student = services.managed_profile_create(guardian=teacher, display_name="Rio", role=LinkRole.TEACHER)
    graduating = services.managed_profile_create(guardian=parent, display_name="Jo", role=LinkRole.PARENT)
    invite = services.graduation_invite_create(actor=parent, profile=graduating)
    services.graduation_accept(token=invite.token, email="jo@example.com", password="another-long-passphrase")
    graduating.refresh_from_db()
    users = {
        "learner": learner,
        "other_learner": other_learner,
        "parent": parent,
        "other_parent": other_parent,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "staff": staff,
        "anonymous": AnonymousUser(),
    }
    profiles = {
        "own_profile": learner.profile,
        "parents_child": child,
        "teachers_student": student,
        "graduated_child": graduating,
    }
    return users, profiles


CASES = [(kind, role) for kind in EXPECTED for role in ROLES]


@pytest.mark.parametrize(("kind", "role"), CASES)
def test_permission_matrix(world, kind, role):
    users, profiles = world
    user, profile = users[role], profiles[kind]
    got = (
        permissions.can_view(user, profile),
        permissions.can_act_as(user, profile),
        permissions.can_manage(user, profile),
    )
    assert got == EXPECTED[kind][role]


@pytest.mark.parametrize(("kind", "role"), CASES)
def test_querysets_agree_with_the_checks(world, kind, role):
    users, profiles = world
    user, profile = users[role], profiles[kind]
    view, act, _ = EXPECTED[kind][role]
    # Staff browse everyone in the admin, not in learner-facing lists.
    listed = role != "staff" and view
    assert (profile in permissions.profiles_visible_to(user)) is listed
    assert (profile in permissions.profiles_actable_by(user)) is act


@pytest.mark.parametrize(("kind", "role"), CASES)
def test_get_profile_for_hides_what_a_user_may_not_see(world, kind, role):
    users, profiles = world
    user, profile = users[role], profiles[kind]
    view, act, manage = EXPECTED[kind][role]
    for action, allowed in ((permissions.VIEW, view), (permissions.ACT, act), (permissions.MANAGE, manage)):
        if allowed:
            assert permissions.get_profile_for(user, profile.pk, action=action) == profile
        elif view:
            with pytest.raises(PermissionDenied):
                permissions.get_profile_for(user, profile.pk, action=action)
        else:
            with pytest.raises(NotFound):
                permissions.get_profile_for(user, profile.pk, action=action)


def test_unknown_and_malformed_ids_are_not_found(learner):
    for bad in (999999, "abc", None):
        with pytest.raises(NotFound):
            permissions.get_profile_for(learner, bad)


def test_removing_a_link_ends_access_at_once(world):
    users, profiles = world
    link = profiles["own_profile"].links.get(user=users["teacher"])
    services.link_remove(actor=users["learner"], link=link)
    assert not permissions.can_view(users["teacher"], profiles["own_profile"])
