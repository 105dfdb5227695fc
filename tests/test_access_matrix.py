"""Every page and endpoint, requested by every role: who gets in, who is refused, who cannot
even tell the thing exists. A URL added without a row here fails `test_every_url_is_covered`.

The world: Lena (learner) follows nobody; her teacher Tess was linked with her consent. Pat
(parent) manages Kit; Pat let Tess follow Kit with a link code. Lena has a practice session,
a submission and a goal. Other people are strangers to all of it; staff may view learners
but act for none of them.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import services
from accounts.models import LinkRole
from learning.models import Goal
from learning.services import goals as goal_services
from learning.services import sessions as session_services
from learning.services.submissions import submission_create
from tests.access_rows_achievements import ROWS as ACHIEVEMENT_ROWS
from tests.access_rows_leaderboards import ROWS as LEADERBOARD_ROWS
from tests.learning.factories import ModuleFactory, ProblemFactory

ROLES = ["learner", "other_learner", "parent", "other_parent", "teacher", "other_teacher", "staff", "anonymous"]
SIGNED_IN = ROLES[:-1]

# Expected outcomes. "ok" is any 2xx or a redirect that is not to the sign-in page;
# "login" is the redirect to sign in; numbers are exact statuses.
PUBLIC = dict.fromkeys(ROLES, "ok")
SIGNED_IN_PAGE = {**dict.fromkeys(SIGNED_IN, "ok"), "anonymous": "login"}
SIGNED_IN_API = {**dict.fromkeys(SIGNED_IN, "ok"), "anonymous": 401}


def _child_access(*, manage_ok, view_ok, api):
    """Access to Pat's child Kit: Pat manages, Tess and staff only view, the rest are strangers."""
    refused_viewer = 403
    outcome = {}
    for role in SIGNED_IN:
        if role == "parent":
            outcome[role] = "ok"
        elif role in ("teacher", "staff"):
            outcome[role] = "ok" if view_ok and not manage_ok else refused_viewer
        else:
            outcome[role] = 404
    outcome["anonymous"] = 401 if api else "login"
    return outcome


CHILD_MANAGE_PAGE = _child_access(manage_ok=True, view_ok=False, api=False)
CHILD_MANAGE_API = _child_access(manage_ok=True, view_ok=False, api=True)
CHILD_VIEW_API = {**_child_access(manage_ok=False, view_ok=True, api=True), "teacher": "ok", "staff": "ok"}
CHILD_ACT_PAGE = CHILD_MANAGE_PAGE  # acting as Kit: only Pat
CHILD_VIEW_PAGE = {**CHILD_MANAGE_PAGE, "teacher": "ok", "staff": "ok"}


def _learners_own(*, api):
    """Lena's own session, submission or goal: hers alone; everyone else acts as someone else."""
    return {**dict.fromkeys(SIGNED_IN, 404), "learner": "ok", "anonymous": 401 if api else "login"}


LEARNERS_OWN_PAGE = _learners_own(api=False)
LEARNERS_OWN_API = _learners_own(api=True)
# Tess's link to Lena: either side may remove it; people who can see Lena but hold no part of the
# link are refused; strangers cannot tell it exists.
LINK_REMOVE_PAGE = {
    **dict.fromkeys(SIGNED_IN, 404),
    "learner": "ok",
    "teacher": "ok",
    "staff": 403,
    "anonymous": "login",
}
LINK_REMOVE_API = {**LINK_REMOVE_PAGE, "anonymous": 401}

# (url name, method, kwargs builder, data builder, expectation)
CASES = [
    ("home", "get", None, None, PUBLIC),
    ("accounts:signup", "get", None, None, PUBLIC),
    ("accounts:login", "get", None, None, PUBLIC),
    ("accounts:logout", "post", None, None, PUBLIC),
    ("accounts:settings", "get", None, None, SIGNED_IN_PAGE),
    ("accounts:password_change", "get", None, None, SIGNED_IN_PAGE),
    ("accounts:password_change_done", "get", None, None, SIGNED_IN_PAGE),
    ("accounts:password_reset", "get", None, None, PUBLIC),
    ("accounts:password_reset_done", "get", None, None, PUBLIC),
    ("accounts:password_reset_confirm", "get", lambda w: {"uidb64": "x", "token": "y"}, None, PUBLIC),
    ("accounts:password_reset_complete", "get", None, None, PUBLIC),
    ("accounts:family", "get", None, None, SIGNED_IN_PAGE),
    ("accounts:managed_profile_create", "post", None, lambda w: {"display_name": "New", "role": "parent"}, SIGNED_IN_PAGE),
    ("accounts:link_code_create", "post", None, lambda w: {"role": "teacher"}, SIGNED_IN_PAGE),
    ("accounts:link_accept", "get", None, None, SIGNED_IN_PAGE),
    ("accounts:link_remove", "post", lambda w: {"link_id": w["lena_link"].pk}, None, LINK_REMOVE_PAGE),
    ("accounts:profile_access", "get", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_MANAGE_PAGE),
    ("accounts:profile_rename", "post", lambda w: {"profile_id": w["kit"].pk}, lambda w: {"display_name": "Kitty"}, CHILD_MANAGE_PAGE),
    ("accounts:profile_leaderboards", "post", lambda w: {"profile_id": w["kit"].pk}, lambda w: {"show_on_leaderboards": "on"}, CHILD_MANAGE_PAGE),
    ("accounts:profile_delete", "get", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_MANAGE_PAGE),
    ("accounts:profile_export", "get", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_MANAGE_PAGE),
    ("accounts:graduation_invite", "get", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_MANAGE_PAGE),
    ("accounts:acting_switch", "post", None, lambda w: {"profile_id": w["kit"].pk}, CHILD_ACT_PAGE),
    ("accounts:acting_stop", "post", None, None, SIGNED_IN_PAGE),
    ("accounts:graduate", "get", lambda w: {"token": w["invite"].token}, None, PUBLIC),
    ("learning:modules", "get", None, None, SIGNED_IN_PAGE),
    ("learning:learner-overview", "get", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_VIEW_PAGE),
    ("learning:history", "get", None, None, SIGNED_IN_PAGE),
    ("learning:today", "get", None, None, SIGNED_IN_PAGE),
    ("learning:practice", "get", None, None, SIGNED_IN_PAGE),
    ("learning:practice-session", "get", lambda w: {"session_id": w["session"].pk}, None, LEARNERS_OWN_PAGE),
    ("learning:practice-end", "post", lambda w: {"session_id": w["session"].pk}, None, LEARNERS_OWN_PAGE),
    ("learning:practice-summary", "get", lambda w: {"session_id": w["session"].pk}, None, LEARNERS_OWN_PAGE),
    ("learning:goals", "get", None, None, SIGNED_IN_PAGE),
    ("learning:goal-archive", "post", lambda w: {"goal_id": w["goal"].pk}, None, LEARNERS_OWN_PAGE),
    ("learning:module-detail", "get", lambda w: {"module_slug": w["problem"].module.slug}, None, SIGNED_IN_PAGE),
    (
        "learning:problem-detail",
        "get",
        lambda w: {"module_slug": w["problem"].module.slug, "problem_slug": w["problem"].slug},
        None,
        SIGNED_IN_PAGE,
    ),
    ("healthz", "get", None, None, PUBLIC),
    ("api-schema", "get", None, None, PUBLIC),
    ("api-docs", "get", None, None, PUBLIC),
    ("api:auth-token", "post", None, lambda w: {"email": "nobody@example.com", "password": "x"}, dict.fromkeys(ROLES, 400)),
    ("api:me", "get", None, None, SIGNED_IN_API),
    ("api:me-profile", "patch", None, lambda w: {"display_name": "Renamed"}, SIGNED_IN_API),
    ("api:profile-list", "get", None, None, SIGNED_IN_API),
    ("api:profile-detail", "get", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_VIEW_API),
    ("api:profile-access", "get", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_MANAGE_API),
    ("api:profile-export", "get", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_MANAGE_API),
    ("api:profile-graduation-invite", "post", lambda w: {"profile_id": w["kit"].pk}, None, CHILD_MANAGE_API),
    ("api:link-code-list", "get", None, None, SIGNED_IN_API),
    ("api:link-code-accept", "post", None, lambda w: {"code": "NOSUCHCD"}, {**dict.fromkeys(SIGNED_IN, 404), "anonymous": 401}),
    ("api:link-list", "get", None, None, SIGNED_IN_API),
    ("api:link-detail", "delete", lambda w: {"link_id": w["lena_link"].pk}, None, LINK_REMOVE_API),
    ("learning_api:module-list", "get", None, None, SIGNED_IN_API),
    ("learning_api:module-detail", "get", lambda w: {"slug": w["problem"].module.slug}, None, SIGNED_IN_API),
    ("learning_api:problem-detail", "get", lambda w: {"slug": w["problem"].slug}, None, SIGNED_IN_API),
    ("learning_api:problem-start", "post", lambda w: {"slug": w["problem"].slug}, None, SIGNED_IN_API),
    ("learning_api:problem-submit", "post", lambda w: {"slug": w["problem"].slug}, lambda w: {"answer": "3/4"}, SIGNED_IN_API),
    ("learning_api:submission-list", "get", None, None, SIGNED_IN_API),
    ("learning_api:submission-detail", "get", lambda w: {"submission_id": w["submission"].pk}, None, LEARNERS_OWN_API),
    ("learning_api:progress-list", "get", None, None, SIGNED_IN_API),
    ("learning_api:session-list", "get", None, None, SIGNED_IN_API),
    ("learning_api:session-detail", "get", lambda w: {"session_id": w["session"].pk}, None, LEARNERS_OWN_API),
    ("learning_api:session-answer", "post", lambda w: {"session_id": w["session"].pk}, lambda w: {"answer": "3/4"}, LEARNERS_OWN_API),
    ("learning_api:session-end", "post", lambda w: {"session_id": w["session"].pk}, None, LEARNERS_OWN_API),
    ("learning_api:problem-of-the-day", "get", None, None, SIGNED_IN_API),
    ("learning_api:goal-list", "get", None, None, SIGNED_IN_API),
    ("learning_api:goal-daily", "put", None, lambda w: {"level": "casual"}, SIGNED_IN_API),
    ("learning_api:goal-detail", "delete", lambda w: {"goal_id": w["goal"].pk}, None, LEARNERS_OWN_API),
    ("gamification_api:my-stats", "get", None, None, SIGNED_IN_API),
    ("gamification_api:my-ledger", "get", None, None, SIGNED_IN_API),
    ("gamification_api:my-calendar", "get", None, None, SIGNED_IN_API),
    ("gamification_api:badge-list", "get", None, None, SIGNED_IN_API),
]  # fmt: skip
# Rows for the leaderboard and achievement pages live beside their own work; expectations use
# the same vocabulary: "ok", "login" or an exact status per role.
CASES += LEADERBOARD_ROWS + ACHIEVEMENT_ROWS


@pytest.fixture
def world(learner, other_learner, parent, other_parent, teacher, other_teacher, staff, child):
    services.profile_update(actor=parent, profile=child, display_name="Kitterick")  # findable in any page
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    lena_link = services.link_code_accept(user=learner, code=code.code)
    code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    services.link_code_accept(user=parent, code=code.code, profile=child)
    problem = ProblemFactory(module=ModuleFactory(slug="fractions"), slug="quarters")
    ProblemFactory(module=problem.module)
    submission = submission_create(profile=learner.profile, problem=problem, answer="1/2").submission
    session = session_services.practice_session_start(profile=learner.profile, kind="mixed", size=2)
    goal = goal_services.goal_create(profile=learner.profile, kind=Goal.Kind.WEEKLY_PROBLEMS, target=3)
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
    return {
        "users": users,
        "kit": child,
        "lena_link": lena_link,
        "invite": services.graduation_invite_create(actor=parent, profile=child),
        "problem": problem,
        "submission": submission,
        "session": session,
        "goal": goal,
    }


def _outcome(response):
    if response.status_code in (301, 302, 303):
        return "login" if "/accounts/login/" in response["Location"] else "ok"
    if 200 <= response.status_code < 300:
        return "ok"
    return response.status_code


@pytest.mark.parametrize(("name", "method", "kwargs", "data", "expected"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("role", ROLES)
def test_access(client, world, role, name, method, kwargs, data, expected):
    user = world["users"][role]
    if user.is_authenticated:
        client.force_login(user)
    url = reverse(name, kwargs=kwargs(world) if kwargs else None)
    body = data(world) if data else {}
    if name.startswith(("api:", "learning_api:")):
        response = getattr(client, method)(url, body, content_type="application/json")
    else:
        response = getattr(client, method)(url, body)
    assert _outcome(response) == expected[role], (role, name, response.status_code, response.content[:300])


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin has its own staff-only permission system
            yield from _url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_is_covered():
    covered = {case[0] for case in CASES}
    missing = sorted(set(_url_names(get_resolver().url_patterns)) - covered)
    assert not missing, f"add these to the access matrix: {missing}"


def test_strangers_never_see_a_childs_name(client, world):
    """No page a stranger can open shows a managed sub-profile's name."""
    name = world["kit"].display_name
    for role in ("other_learner", "other_parent", "other_teacher", "anonymous"):
        client.logout()
        user = world["users"][role]
        if user.is_authenticated:
            client.force_login(user)
        for case_name, method, kwargs, _data, _expected in CASES:
            if method != "get" or case_name in ("api-schema", "api-docs", "accounts:graduate"):
                continue  # the graduation page is for the child, reached by its one-time token
            response = client.get(reverse(case_name, kwargs=kwargs(world) if kwargs else None))
            assert name not in response.content.decode(errors="replace"), (role, case_name)
