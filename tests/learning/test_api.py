"""The learning JSON API: every endpoint's happy path and errors, acting for a managed learner,
what must never leak before a problem is solved, and query budgets on lists and the submit path."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import LinkRole
from learning.models import (
    Goal,
    PracticeSession,
    ProblemOfTheDay,
    ProblemProgress,
    ProgressStatus,
    Submission,
)
from learning.services.submissions import submission_create

from .factories import ModuleFactory, ProblemFactory

REFERENCE = (
    "Training data teaches the model, while held-out test data measures how well it generalises to unseen cases."
)
KEY_PHRASES = ("held-out test data", "separate evaluation set")
FREE_TEXT_EXPLANATION = "We keep the held-out set apart so the score is honest."
CHOICE_EXPLANATION = "Lyon is the capital of gastronomy, by common agreement."


def url(name, **kwargs):
    return reverse(f"learning_api:{name}", kwargs=kwargs or None)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.fixture
def basics(db):
    return ModuleFactory(slug="basics", title="Basics")


@pytest.fixture
def problem(basics):
    return ProblemFactory(module=basics, slug="quarters", base_points=100, time_bonus_points=50)


@pytest.fixture
def choice(basics):
    return ProblemFactory(
        module=basics,
        slug="capital",
        judge_kind="single_choice",
        judge_config={
            "choices": [{"key": "a", "text": "Paris"}, {"key": "b", "text": "Lyon"}, {"key": "c", "text": "Nice"}],
            "correct": "b",
        },
        explanation=CHOICE_EXPLANATION,
    )


@pytest.fixture
def essay(basics):
    return ProblemFactory(
        module=basics,
        slug="why-test-sets",
        judge_kind="free_text",
        judge_config={
            "references": [REFERENCE],
            "key_ideas": [{"name": "Keeping evaluation apart", "any_of": list(KEY_PHRASES)}],
            "pass_threshold": 60,
        },
        explanation=FREE_TEXT_EXPLANATION,
    )


@pytest.fixture
def locked_problem(basics):
    advanced = ModuleFactory(slug="advanced", title="Advanced")
    advanced.prerequisites.add(basics)
    return ProblemFactory(module=advanced, slug="hard-one")


@pytest.fixture
def client(api_client, learner):
    api_client.force_authenticate(learner)
    return api_client


def submit(client, problem, answer, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url("problem-submit", slug=problem.slug), {"answer": answer, **body}, **headers)


# Authentication -------------------------------------------------------------------------------
def test_every_endpoint_needs_a_signed_in_user(api_client, problem):
    assert_error(api_client.get(url("module-list")), 401)
    assert_error(api_client.post(url("problem-submit", slug=problem.slug), {"answer": "3/4"}), 401)


# Modules --------------------------------------------------------------------------------------
def test_module_list_shows_lock_state_missing_prerequisites_and_progress(
    client, learner, problem, choice, locked_problem, django_assert_max_num_queries
):
    submission_create(profile=learner.profile, problem=problem, answer="3/4")
    with django_assert_max_num_queries(5):
        response = client.get(url("module-list"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    basics, advanced = body["results"]
    assert (basics["slug"], basics["is_locked"], basics["total"], basics["completed"], basics["percent"]) == (
        "basics",
        False,
        2,
        1,
        50,
    )
    assert advanced["is_locked"] and advanced["missing_prerequisites"] == ["Basics"]


def test_module_detail_lists_published_problems_with_the_learners_progress(
    client, learner, basics, problem, choice, django_assert_max_num_queries
):
    ProblemFactory(module=basics, slug="draft", is_published=False)
    submission_create(profile=learner.profile, problem=problem, answer="1/2")
    with django_assert_max_num_queries(5):
        response = client.get(url("module-detail", slug="basics"))
    assert response.status_code == 200
    problems = {p["slug"]: p for p in response.json()["problems"]}
    assert set(problems) == {"quarters", "capital"}
    assert (problems["quarters"]["status"], problems["quarters"]["attempts"]) == ("in_progress", 1)
    assert (problems["capital"]["status"], problems["capital"]["points_earned"]) == ("not_started", 0)
    assert problems["quarters"]["base_points"] == 100 and problems["quarters"]["time_bonus_points"] == 50


def test_unknown_or_unpublished_module_is_404(client, basics):
    assert_error(client.get(url("module-detail", slug="nope")), 404, "unknown_module")
    ModuleFactory(slug="hidden", is_published=False)
    assert_error(client.get(url("module-detail", slug="hidden")), 404)


# Problems -------------------------------------------------------------------------------------
def test_problem_detail_shows_statement_judge_and_progress_but_no_explanation_until_solved(client, learner, choice):
    body = client.get(url("problem-detail", slug="capital")).json()
    assert body["statement"] == choice.statement and "<strong>" in body["statement_html"]
    assert body["module"] == {"slug": "basics", "title": "Basics"}
    assert body["judge"]["kind"] == "single_choice" and body["judge"]["input_type"] == "single_choice"
    assert [c["key"] for c in body["judge"]["config"]["choices"]] == ["a", "b", "c"]
    assert body["progress"] is None and body["is_locked"] is False
    assert body["explanation"] is None and body["explanation_html"] is None

    submission_create(profile=learner.profile, problem=choice, answer="b")
    body = client.get(url("problem-detail", slug="capital")).json()
    assert body["explanation"] == CHOICE_EXPLANATION
    assert body["progress"]["status"] == "completed"


def test_problem_detail_renders_markdown_sanitised(client, basics):
    ProblemFactory(module=basics, slug="xss", statement="Hi <script>alert(1)</script> **there**")
    html = client.get(url("problem-detail", slug="xss")).json()["statement_html"]
    assert "<script>" not in html and "<strong>there</strong>" in html


def test_locked_problem_is_shown_as_locked_but_cannot_be_started_or_answered(client, locked_problem):
    assert client.get(url("problem-detail", slug="hard-one")).json()["is_locked"] is True
    assert_error(client.post(url("problem-start", slug="hard-one")), 403, "module_locked")
    assert_error(submit(client, locked_problem, "3/4"), 403, "module_locked")
    assert not Submission.objects.exists()


@pytest.mark.parametrize("name", ["problem-detail", "problem-start", "problem-submit"])
def test_unknown_or_unpublished_problem_is_404(client, basics, name):
    ProblemFactory(module=basics, slug="draft", is_published=False)
    method = client.get if name == "problem-detail" else client.post
    for slug in ("nope", "draft"):
        assert_error(method(url(name, slug=slug), {"answer": "1"}), 404, "unknown_problem")


def test_starting_a_problem_opens_its_clock_once(client, learner, problem):
    first = client.post(url("problem-start", slug="quarters"))
    assert first.status_code == 200
    assert first.json()["status"] == "not_started" and first.json()["opened_at"]
    again = client.post(url("problem-start", slug="quarters")).json()
    assert again["opened_at"] == first.json()["opened_at"] and again["version"] == first.json()["version"]
    assert ProblemProgress.objects.filter(profile=learner.profile).count() == 1


# Submitting -----------------------------------------------------------------------------------
def test_a_correct_answer_is_recorded_with_points_progress_and_the_explanation(
    client, learner, problem, django_assert_max_num_queries
):
    warm_up = ProblemFactory(module=problem.module)  # the learner's stats row exists from here on
    submit(client, warm_up, "3/4")
    # 15 statements: the view's problem and Idempotency-Key look-ups, then submit on a problem
    # never opened (its progress row is made here: lock, prerequisites, INSERT, lock again; see
    # tests/learning/test_submit_queries.py), plus the durable atomic's SAVEPOINT/RELEASE.
    with django_assert_max_num_queries(15 + 2):
        response = submit(client, problem, "0.75", key="k-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["submission"]["correct"] is True and body["submission"]["score"] == 100
    assert body["submission"]["points_awarded"] >= 100 and body["is_first_solve"] is True
    assert body["submission"]["judge"] == {"name": "numeric", "version": problem.judge.version}
    assert body["progress"]["status"] == "completed" and body["progress"]["attempts"] == 1
    assert body["progress"]["completed_at"] and body["progress"]["version"] == 2
    assert body["explanation"] == problem.explanation and body["potd_completed"] is False
    assert "Idempotent-Replayed" not in response.headers
    assert Submission.objects.get(problem=problem).profile == learner.profile


def test_a_wrong_answer_has_no_explanation(client, problem):
    body = submit(client, problem, "1/2").json()
    assert body["submission"]["correct"] is False and body["submission"]["points_awarded"] == 0
    assert body["progress"]["status"] == "in_progress" and body["explanation"] is None


def test_a_multiple_choice_answer_is_a_list_of_keys(client, basics):
    multi = ProblemFactory(
        module=basics,
        judge_kind="multiple_choice",
        judge_config={
            "choices": [{"key": "a", "text": "2"}, {"key": "b", "text": "3"}, {"key": "c", "text": "4"}],
            "correct": ["a", "b"],
        },
    )
    body = submit(client, multi, ["b", "a"]).json()
    assert body["submission"]["correct"] is True and body["submission"]["answer"] == ["a", "b"]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("", "answer_empty"),
        ("   ", "answer_empty"),
        (None, "answer_empty"),
        ("x" * 5000, "answer_too_long"),
        ({"a": 1}, "answer_wrong_type"),
        (["3/4"], "answer_wrong_type"),
        ("three quarters", "answer_malformed"),
    ],
)
def test_malformed_answers_are_400_with_the_answer_field_and_record_nothing(client, problem, answer, code):
    error = assert_error(submit(client, problem, answer), 400, code)
    assert error["fields"]["answer"]
    assert not Submission.objects.exists() and not ProblemProgress.objects.exists()


def test_an_answer_that_is_not_an_option_is_malformed(client, choice):
    assert_error(submit(client, choice, "z"), 400, "answer_malformed")


def test_a_missing_answer_is_a_field_error(client, problem):
    error = assert_error(client.post(url("problem-submit", slug=problem.slug), {}), 400, "invalid")
    assert "answer" in error["fields"]


def test_a_stale_expected_version_is_409_with_the_current_state(client, learner, problem):
    version = client.post(url("problem-start", slug=problem.slug)).json()["version"]
    submission_create(profile=learner.profile, problem=problem, answer="1/2")  # another tab answered
    error = assert_error(submit(client, problem, "3/4", expected_version=version), 409, "stale_version")
    assert error["current"]["version"] == version + 1
    assert error["current"]["attempts"] == 1 and error["current"]["status"] == "in_progress"
    assert Submission.objects.count() == 1
    assert submit(client, problem, "3/4", expected_version=version + 1).status_code == 201


def test_a_retried_submit_replays_the_first_outcome(client, learner, problem):
    first = submit(client, problem, "3/4", key="retry-me")
    again = submit(client, problem, " 3/4 ", key="retry-me")
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["submission"]["id"] == first.json()["submission"]["id"]
    assert again.json()["submission"]["points_awarded"] == first.json()["submission"]["points_awarded"]
    assert Submission.objects.filter(profile=learner.profile).count() == 1
    assert ProblemProgress.objects.get().attempts == 1


def test_reusing_an_idempotency_key_for_a_different_answer_is_422(client, problem):
    submit(client, problem, "1/2", key="once")
    assert_error(submit(client, problem, "3/4", key="once"), 422, "idempotency_key_reused")
    assert Submission.objects.count() == 1


def test_an_invalid_idempotency_key_is_400(client, problem):
    assert_error(submit(client, problem, "3/4", key="x" * 81), 400, "invalid_idempotency_key")


def test_submitting_into_another_learners_session_is_404(client, other_learner, problem):
    session = PracticeSession.objects.create(
        profile=other_learner.profile,
        kind="mixed",
        question_count=1,
        expires_at=problem.created_at + timedelta(hours=2),
    )
    assert_error(submit(client, problem, "3/4", practice_session_id=session.pk), 404)
    assert not Submission.objects.exists()


# Submissions and progress ---------------------------------------------------------------------
def test_submission_list_is_newest_first_filterable_and_bounded(
    client, learner, other_learner, problem, choice, django_assert_max_num_queries
):
    for answer in ("1/2", "3/4"):
        submission_create(profile=learner.profile, problem=problem, answer=answer)
    submission_create(profile=learner.profile, problem=choice, answer="a")
    submission_create(profile=other_learner.profile, problem=problem, answer="3/4")
    with django_assert_max_num_queries(4):
        body = client.get(url("submission-list")).json()
    assert body["count"] == 3
    assert [r["problem"]["slug"] for r in body["results"]] == ["capital", "quarters", "quarters"]
    assert client.get(url("submission-list"), {"problem": "quarters"}).json()["count"] == 2
    correct = client.get(url("submission-list"), {"correct": "true"}).json()["results"]
    assert [(r["problem"]["slug"], r["correct"]) for r in correct] == [("quarters", True)]
    assert client.get(url("submission-list"), {"correct": "false"}).json()["count"] == 2
    assert_error(client.get(url("submission-list"), {"correct": "maybe"}), 400)


def test_a_submission_is_visible_only_to_its_profile(client, learner, other_learner, problem):
    mine = submission_create(profile=learner.profile, problem=problem, answer="3/4").submission
    theirs = submission_create(profile=other_learner.profile, problem=problem, answer="3/4").submission
    body = client.get(url("submission-detail", submission_id=mine.pk)).json()
    assert body["id"] == mine.pk and body["answer"] == "3/4"
    assert_error(client.get(url("submission-detail", submission_id=theirs.pk)), 404)
    assert_error(client.get(url("submission-detail", submission_id=999999)), 404)


def test_progress_list_shows_each_problem_state(
    client, learner, other_learner, problem, choice, django_assert_max_num_queries
):
    submission_create(profile=learner.profile, problem=problem, answer="3/4")
    submission_create(profile=learner.profile, problem=choice, answer="a")
    submission_create(profile=other_learner.profile, problem=choice, answer="b")
    with django_assert_max_num_queries(4):
        body = client.get(url("progress-list")).json()
    rows = {r["problem"]["slug"]: r for r in body["results"]}
    assert set(rows) == {"quarters", "capital"}
    assert rows["quarters"]["status"] == "completed" and rows["quarters"]["points_earned"] > 0
    assert rows["capital"]["status"] == "in_progress" and rows["capital"]["attempts"] == 1
    assert {"first_attempt_at", "completed_at", "time_spent_seconds", "version", "module"} <= set(rows["capital"])


# Practice sessions ----------------------------------------------------------------------------
@pytest.fixture
def six_problems(basics):
    return [ProblemFactory(module=basics) for _ in range(6)]


def test_a_practice_session_runs_from_start_to_summary(client, learner, six_problems, django_assert_max_num_queries):
    created = client.post(url("session-list"), {"kind": "module", "module": "basics", "size": 3})
    assert created.status_code == 201, created.content
    session = created.json()
    assert session["status"] == "active" and session["question_count"] == 3 and len(session["items"]) == 3
    assert session["current"]["position"] == 1 and session["module"]["slug"] == "basics"

    answer_url = url("session-answer", session_id=session["id"])
    first = client.post(answer_url, {"answer": "3/4"}, HTTP_IDEMPOTENCY_KEY="s-1")
    assert first.status_code == 201, first.content
    assert first.json()["submission"]["correct"] is True
    assert first.json()["session"]["answered_count"] == 1 and first.json()["session"]["current"]["position"] == 2

    replay = client.post(answer_url, {"answer": "3/4"}, HTTP_IDEMPOTENCY_KEY="s-1")
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["submission"]["id"] == first.json()["submission"]["id"]
    assert Submission.objects.count() == 1

    assert client.post(answer_url, {"answer": "1/2"}).json()["submission"]["correct"] is False
    detail = client.get(url("session-detail", session_id=session["id"])).json()
    assert (detail["answered_count"], detail["correct_count"]) == (2, 1)
    assert [item["is_answered"] for item in detail["items"]] == [True, True, False]

    ended = client.post(url("session-end", session_id=session["id"]))
    assert ended.status_code == 200
    summary = ended.json()
    assert summary["status"] == "completed" and summary["current"] is None
    assert (summary["answered_count"], summary["correct_count"], summary["accuracy"]) == (2, 1, 33)
    assert_error(client.post(answer_url, {"answer": "3/4"}), 409, "session_ended")

    with django_assert_max_num_queries(6):
        listed = client.get(url("session-list")).json()
    assert listed["count"] == 1 and listed["results"][0]["accuracy"] == 33


def test_a_malformed_session_answer_is_400(client, six_problems):
    session = client.post(url("session-list"), {"kind": "mixed", "size": 2}).json()
    assert_error(client.post(url("session-answer", session_id=session["id"]), {"answer": ""}), 400, "answer_empty")


def test_starting_a_second_session_is_409_with_the_running_one(client, six_problems):
    first = client.post(url("session-list"), {"kind": "mixed", "size": 2}).json()
    error = assert_error(client.post(url("session-list"), {"kind": "mixed", "size": 2}), 409, "session_in_progress")
    assert error["session_id"] == first["id"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "module"}, "invalid"),
        ({"kind": "module", "module": "nope"}, "unknown_module"),
        ({"kind": "review"}, "nothing_to_practise"),
        ({"kind": "bogus"}, "invalid"),
        ({"kind": "mixed", "size": 0}, "invalid"),
    ],
)
def test_session_start_errors_are_400(client, six_problems, body, code):
    assert_error(client.post(url("session-list"), body), 400, code)


def test_starting_a_session_in_a_locked_module_is_refused(client, locked_problem):
    assert_error(client.post(url("session-list"), {"kind": "module", "module": "advanced"}), 400, "module_locked")


def test_another_learners_session_is_404(client, other_learner, six_problems):
    other = PracticeSession.objects.create(
        profile=other_learner.profile, kind="mixed", question_count=1, expires_at=six_problems[0].created_at
    )
    assert_error(client.get(url("session-detail", session_id=other.pk)), 404)
    assert_error(client.post(url("session-answer", session_id=other.pk), {"answer": "3/4"}), 404)
    assert_error(client.post(url("session-end", session_id=other.pk)), 404)


# Problem of the day ---------------------------------------------------------------------------
def test_problem_of_the_day_shows_todays_problem_and_completion(client, learner, problem, choice):
    ProblemOfTheDay.objects.create(featured_on=learner.profile.local_today(), problem=choice)
    body = client.get(url("problem-of-the-day")).json()
    assert body["problem"]["slug"] == "capital" and body["problem"]["module"]["slug"] == "basics"
    assert body["completed_today"] is False and body["recent_completions"] == []

    assert submit(client, choice, "b").json()["potd_completed"] is True
    body = client.get(url("problem-of-the-day")).json()
    assert body["completed_today"] is True
    assert body["recent_completions"] == [body["featured_on"]] and body["problem"]["status"] == "completed"


def test_problem_of_the_day_is_404_without_any_content(client, db):
    assert_error(client.get(url("problem-of-the-day")), 404, "no_problem_of_the_day")


# Goals ----------------------------------------------------------------------------------------
def test_goals_are_set_listed_and_dropped(client, learner, basics, problem, django_assert_max_num_queries):
    daily = client.put(url("goal-daily"), {"level": "regular"})
    assert daily.status_code == 200 and daily.json()["target"] == 250 and daily.json()["kind"] == "daily_points"
    custom = client.put(url("goal-daily"), {"level": "custom", "points": 40}).json()
    assert custom["target"] == 40
    weekly = client.post(url("goal-list"), {"kind": "weekly_problems", "target": 3})
    assert weekly.status_code == 201 and weekly.json()["current"] == 0
    due = (learner.profile.local_today() + timedelta(days=7)).isoformat()
    module_goal = client.post(url("goal-list"), {"kind": "module_by_date", "module": "basics", "due_on": due})
    assert module_goal.status_code == 201 and module_goal.json()["module"]["slug"] == "basics"

    submission_create(profile=learner.profile, problem=problem, answer="3/4")
    with django_assert_max_num_queries(8):
        body = client.get(url("goal-list")).json()
    goals = {g["kind"]: g for g in body["results"]}
    assert body["count"] == 3
    assert goals["daily_points"]["is_met"] is True and goals["weekly_problems"]["current"] == 1
    assert goals["module_by_date"]["percent"] == 100

    assert client.delete(url("goal-detail", goal_id=weekly.json()["id"])).status_code == 204
    assert not Goal.objects.get(pk=weekly.json()["id"]).is_active
    assert_error(client.delete(url("goal-detail", goal_id=weekly.json()["id"])), 404)


@pytest.mark.parametrize(
    ("method", "name", "body", "field"),
    [
        ("put", "goal-daily", {"level": "custom"}, "points"),
        ("put", "goal-daily", {"level": "custom", "points": 5}, "points"),
        ("put", "goal-daily", {"level": "lazy"}, "level"),
        ("post", "goal-list", {"kind": "weekly_problems"}, "target"),
        ("post", "goal-list", {"kind": "module_by_date", "module": "basics", "due_on": "2000-01-01"}, "due_on"),
        ("post", "goal-list", {"kind": "module_by_date", "module": "nope", "due_on": "2999-01-01"}, "module"),
        ("post", "goal-list", {"kind": "daily_points", "target": 100}, "kind"),
    ],
)
def test_invalid_goals_are_400_naming_the_field(client, basics, method, name, body, field):
    error = assert_error(getattr(client, method)(url(name), body), 400)
    assert field in error["fields"]


def test_another_learners_goal_cannot_be_dropped(client, other_learner):
    goal = Goal.objects.create(profile=other_learner.profile, kind="weekly_problems", target=3)
    assert_error(client.delete(url("goal-detail", goal_id=goal.pk)), 404)
    goal.refresh_from_db()
    assert goal.is_active


# Acting for another profile -------------------------------------------------------------------
def test_a_parent_acting_as_a_managed_child_records_the_childs_work(api_client, parent, child, problem):
    api_client.force_authenticate(parent)
    as_child = {"HTTP_X_PROFILE_ID": str(child.pk)}
    response = api_client.post(url("problem-submit", slug=problem.slug), {"answer": "3/4"}, **as_child)
    assert response.status_code == 201, response.content
    submission = Submission.objects.get()
    assert submission.profile == child
    assert not Submission.objects.filter(profile=parent.profile).exists()
    assert api_client.get(url("submission-list"), **as_child).json()["count"] == 1
    assert api_client.get(url("submission-list")).json()["count"] == 0
    assert api_client.get(url("progress-list"), **as_child).json()["results"][0]["status"] == "completed"


def test_acting_as_a_strangers_profile_is_404_and_records_nothing(client, other_learner, problem):
    response = client.post(
        url("problem-submit", slug=problem.slug), {"answer": "3/4"}, HTTP_X_PROFILE_ID=str(other_learner.profile.pk)
    )
    assert_error(response, 404)
    assert_error(client.get(url("module-list"), HTTP_X_PROFILE_ID=str(other_learner.profile.pk)), 404)
    assert_error(client.get(url("module-list"), HTTP_X_PROFILE_ID="not-a-number"), 404)
    assert not Submission.objects.exists()


def test_a_teacher_who_may_view_but_not_act_for_a_learner_is_403(api_client, teacher, learner, problem):
    code = account_services.link_code_create(user=teacher, role=LinkRole.TEACHER)
    account_services.link_code_accept(user=learner, code=code.code)
    api_client.force_authenticate(teacher)
    response = api_client.post(
        url("problem-submit", slug=problem.slug), {"answer": "3/4"}, HTTP_X_PROFILE_ID=str(learner.profile.pk)
    )
    assert_error(response, 403)
    assert not Submission.objects.exists()


# Secrets --------------------------------------------------------------------------------------
def _correct_keys(data):
    """Every value stored under a "correct" key anywhere in `data`."""
    if isinstance(data, dict):
        found = [value for key, value in data.items() if key == "correct"]
        return found + [v for value in data.values() for v in _correct_keys(value)]
    if isinstance(data, list):
        return [v for value in data for v in _correct_keys(value)]
    return []


def assert_no_secrets(response):
    assert response.status_code in (200, 201), response.content
    text = json.dumps(response.json())
    for secret in (REFERENCE, *KEY_PHRASES, FREE_TEXT_EXPLANATION, CHOICE_EXPLANATION, "judge_config", "references"):
        assert secret not in text, f"{secret!r} leaked in {text}"
    # "correct" may only be a verdict (a submission's true/false), never the correct option.
    assert all(isinstance(value, bool) for value in _correct_keys(response.json())), text


def test_nothing_reveals_answers_or_explanations_before_solving(client, learner, choice, essay):
    ProblemOfTheDay.objects.create(featured_on=learner.profile.local_today(), problem=choice)
    wrong_choice = submit(client, choice, "a")
    wrong_essay = submit(client, essay, "I think it is about data and models in some way.")
    assert wrong_essay.json()["submission"]["correct"] is False
    session = client.post(url("session-list"), {"kind": "module", "module": "basics", "size": 2})
    session_id = session.json()["id"]
    for response in (
        wrong_choice,
        wrong_essay,
        session,
        client.get(url("problem-detail", slug="capital")),
        client.get(url("problem-detail", slug="why-test-sets")),
        client.get(url("module-detail", slug="basics")),
        client.get(url("module-list")),
        client.get(url("submission-list")),
        client.get(url("progress-list")),
        client.get(url("session-list")),
        client.get(url("session-detail", session_id=session_id)),
        client.get(url("problem-of-the-day")),
    ):
        assert_no_secrets(response)
    assert client.get(url("problem-detail", slug="why-test-sets")).json()["judge"]["config"] == {"min_words": 5}


def test_the_explanation_appears_once_solved(client, choice, essay):
    solved = submit(client, essay, REFERENCE)
    assert solved.json()["submission"]["correct"] is True
    assert solved.json()["explanation"] == FREE_TEXT_EXPLANATION
    assert client.get(url("problem-detail", slug="why-test-sets")).json()["explanation"] == FREE_TEXT_EXPLANATION
    assert submit(client, choice, "b").json()["explanation"] == CHOICE_EXPLANATION
    progress = ProblemProgress.objects.get(problem=choice)
    assert progress.status == ProgressStatus.COMPLETED
