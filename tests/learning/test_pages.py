"""The server-rendered learning pages, as a learner meets them: what they see, what a form post
records, and how many queries a page costs however much history there is."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.acting import SESSION_KEY
from learning.models import (
    Goal,
    PracticeSession,
    ProblemOfTheDay,
    ProblemOfTheDayCompletion,
    ProblemProgress,
    Submission,
)
from learning.services import sessions
from learning.services.submissions import submission_create

from .factories import ModuleFactory, ProblemFactory

KEY_RE = re.compile(r'name="idempotency_key" value="([^"]+)"')


def problem_url(problem):
    return reverse("learning:problem-detail", args=[problem.module.slug, problem.slug])


def answer_key(response):
    """The one-time key the page rendered into its answer form."""
    match = KEY_RE.search(response.content.decode())
    assert match, "the answer form carries a one-time key"
    return match.group(1)


def html(response):
    return response.content.decode()


@pytest.fixture
def basics(db):
    module = ModuleFactory(title="Basics", slug="basics")
    for n in range(3):
        ProblemFactory(module=module, slug=f"basics-{n}", title=f"Basics problem {n}", display_order=n)
    return module


@pytest.fixture
def advanced(basics):
    module = ModuleFactory(title="Advanced", slug="advanced")
    module.prerequisites.add(basics)
    ProblemFactory(module=module, slug="advanced-0", title="Advanced problem", display_order=0)
    return module


@pytest.fixture
def problem(basics):
    return basics.problems.get(slug="basics-0")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


# --- modules -------------------------------------------------------------------------------------


def test_pages_need_a_login(client, problem):
    for url in [
        reverse("learning:modules"),
        problem_url(problem),
        reverse("learning:history"),
        reverse("learning:goals"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_modules_list_shows_progress_and_what_to_complete_first(learner_client, learner, basics, advanced):
    submission_create(profile=learner.profile, problem=basics.problems.first(), answer="3/4")
    response = learner_client.get(reverse("learning:modules"))
    assert response.status_code == 200
    page = html(response)
    assert "1 of 3 problems completed" in page
    assert '<progress class="bar" value="1" max="3"' in page
    assert "Complete Basics first." in page and "Locked" in page
    assert reverse("learning:module-detail", args=["advanced"]) not in page, "no link into a locked module"


def test_module_page_lists_problems_in_order_with_their_status(learner_client, learner, basics):
    first, second, third = basics.problems.order_by("display_order")
    submission_create(profile=learner.profile, problem=first, answer="3/4")
    submission_create(profile=learner.profile, problem=second, answer="1/2")
    response = learner_client.get(reverse("learning:module-detail", args=["basics"]))
    page = html(response)
    assert response.status_code == 200
    assert page.index(first.title) < page.index(second.title) < page.index(third.title)
    assert "✓ Completed" in page and "pts" in page and "In progress" in page and "Not started" in page
    assert "Practise this module" in page


def test_locked_module_page_is_a_friendly_403(learner_client, advanced):
    response = learner_client.get(reverse("learning:module-detail", args=["advanced"]))
    assert response.status_code == 403
    assert "Complete Basics first." in html(response)


def test_unknown_or_unpublished_module_is_404(learner_client, basics):
    ModuleFactory(slug="hidden", is_published=False)
    assert learner_client.get(reverse("learning:module-detail", args=["nope"])).status_code == 404
    assert learner_client.get(reverse("learning:module-detail", args=["hidden"])).status_code == 404


# --- answering a problem -------------------------------------------------------------------------


def test_locked_problem_is_403_and_answers_are_refused_with_nothing_written(learner_client, advanced):
    locked = advanced.problems.get()
    response = learner_client.get(problem_url(locked))
    assert response.status_code == 403 and "Complete Basics first." in html(response)
    response = learner_client.post(problem_url(locked), {"answer": "3/4", "idempotency_key": "k1"})
    assert response.status_code == 403
    response = learner_client.post(problem_url(locked), {"answer": "", "idempotency_key": "k2"})
    assert response.status_code == 403, "locked is reported before malformed"
    assert not Submission.objects.exists() and not ProblemProgress.objects.exists()


def test_problem_in_the_wrong_module_url_is_404(learner_client, problem, advanced):
    url = reverse("learning:problem-detail", args=["advanced", problem.slug])
    assert learner_client.get(url).status_code == 404


def test_opening_a_problem_shows_it_and_starts_the_clock(learner_client, learner, problem):
    response = learner_client.get(problem_url(problem))
    page = html(response)
    assert response.status_code == 200
    assert "<strong>1/2 + 1/4</strong>" in page, "statement rendered as markdown"
    assert 'inputmode="decimal"' in page
    assert "<details" in page and "Quarters." in page
    assert "Beginner" in page and "100 points" in page
    assert ProblemProgress.objects.get(profile=learner.profile, problem=problem).opened_at is not None


def test_a_correct_answer_is_recorded_and_shown_after_the_redirect(learner_client, learner, problem):
    key = answer_key(learner_client.get(problem_url(problem)))
    response = learner_client.post(problem_url(problem), {"answer": "0.75", "idempotency_key": key})
    submission = Submission.objects.get(profile=learner.profile)
    assert response.status_code == 302
    assert response["Location"] == f"{problem_url(problem)}?result={submission.pk}"
    page = html(learner_client.get(response["Location"]))
    assert submission.is_correct and submission.points_awarded > 0
    assert "✓ Correct" in page and f"+{submission.points_awarded} points" in page and "Score <strong>100%" in page


def test_a_wrong_answer_shows_feedback_and_records_no_points(learner_client, learner, problem):
    key = answer_key(learner_client.get(problem_url(problem)))
    response = learner_client.post(problem_url(problem), {"answer": "1/2", "idempotency_key": key}, follow=True)
    submission = Submission.objects.get(profile=learner.profile)
    assert not submission.is_correct and submission.points_awarded == 0
    page = html(response)
    assert "Not correct yet" in page and submission.feedback in page and "No points" in page


def test_a_double_clicked_submit_records_once(learner_client, learner, problem):
    key = answer_key(learner_client.get(problem_url(problem)))
    first = learner_client.post(problem_url(problem), {"answer": "3/4", "idempotency_key": key})
    second = learner_client.post(problem_url(problem), {"answer": "3/4", "idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Submission.objects.filter(profile=learner.profile).count() == 1
    assert ProblemProgress.objects.get(profile=learner.profile, problem=problem).attempts == 1


def test_each_rendering_of_the_form_has_a_fresh_key(learner_client, problem):
    assert answer_key(learner_client.get(problem_url(problem))) != answer_key(learner_client.get(problem_url(problem)))


@pytest.mark.parametrize("answer", ["", "   ", "three quarters", "x" * 300])
def test_a_malformed_answer_is_a_form_error_and_nothing_is_recorded(learner_client, learner, problem, answer):
    key = answer_key(learner_client.get(problem_url(problem)))
    response = learner_client.post(problem_url(problem), {"answer": answer, "idempotency_key": key})
    assert response.status_code == 400
    assert 'class="field-error"' in html(response)
    assert not Submission.objects.exists()
    assert ProblemProgress.objects.get(profile=learner.profile, problem=problem).attempts == 0


def test_explanation_is_shown_only_once_solved(learner_client, learner, basics):
    problem = ProblemFactory(module=basics, explanation="Because SENTINEL-EXPLANATION holds.")
    assert "SENTINEL-EXPLANATION" not in html(learner_client.get(problem_url(problem)))
    submission_create(profile=learner.profile, problem=problem, answer="1/2")
    assert "SENTINEL-EXPLANATION" not in html(learner_client.get(problem_url(problem))), "a wrong answer is not enough"
    submission_create(profile=learner.profile, problem=problem, answer="3/4")
    page = html(learner_client.get(problem_url(problem)))
    assert "SENTINEL-EXPLANATION" in page and "Explanation" in page


def test_next_problem_link_follows_module_order(learner_client, basics):
    first, second, third = basics.problems.order_by("display_order")
    assert f'href="{problem_url(second)}"' in html(learner_client.get(problem_url(first)))
    page = html(learner_client.get(problem_url(third)))
    assert "Next:" not in page


@pytest.fixture
def choice_problem(basics):
    return ProblemFactory(
        module=basics,
        judge_kind="single_choice",
        judge_config={
            "choices": [
                {"key": "a", "text": "Two halves"},
                {"key": "b", "text": "Three quarters"},
                {"key": "c", "text": "One third"},
            ],
            "correct": "b",
        },
    )


def test_single_choice_shows_radios_without_revealing_the_correct_key(learner_client, learner, choice_problem):
    response = learner_client.get(problem_url(choice_problem))
    page = html(response)
    assert page.count('type="radio"') == 3
    assert "Two halves" in page and "Three quarters" in page and "One third" in page
    assert "checked" not in page
    assert not re.search(r"correct", page, re.IGNORECASE), "nothing before solving says which is right"
    key = answer_key(response)
    learner_client.post(problem_url(choice_problem), {"answer": "b", "idempotency_key": key})
    assert Submission.objects.get(profile=learner.profile).is_correct


def test_single_choice_rejects_an_unknown_option_without_recording(learner_client, choice_problem):
    key = answer_key(learner_client.get(problem_url(choice_problem)))
    response = learner_client.post(problem_url(choice_problem), {"answer": "z", "idempotency_key": key})
    assert response.status_code == 400 and not Submission.objects.exists()


def test_multiple_choice_uses_checkboxes_and_records_the_chosen_keys(learner_client, learner, basics):
    problem = ProblemFactory(
        module=basics,
        judge_kind="multiple_choice",
        judge_config={
            "choices": [{"key": "a", "text": "2/4"}, {"key": "b", "text": "1/3"}, {"key": "c", "text": "50%"}],
            "correct": ["a", "c"],
        },
    )
    response = learner_client.get(problem_url(problem))
    assert html(response).count('type="checkbox"') == 3
    learner_client.post(problem_url(problem), {"answer": ["a", "c"], "idempotency_key": answer_key(response)})
    submission = Submission.objects.get(profile=learner.profile)
    assert submission.answer == ["a", "c"] and submission.is_correct


def test_free_text_never_shows_references_or_key_phrases_before_solving(learner_client, learner, basics):
    problem = ProblemFactory(
        module=basics,
        judge_kind="free_text",
        judge_config={
            "references": ["The denominator zanzibar tells how many equal parts the whole is split into."],
            "key_ideas": [{"name": "equal parts", "any_of": ["zanzibar", "quokka phrase"]}],
            "min_words": 5,
        },
    )
    response = learner_client.get(problem_url(problem))
    page = html(response)
    assert "<textarea" in page and "at least 5 words" in page
    for secret in ("zanzibar", "quokka", "how many equal parts"):
        assert secret not in page
    wrong = learner_client.post(
        problem_url(problem),
        {"answer": "It is the bottom number of it.", "idempotency_key": answer_key(response)},
        follow=True,
    )
    assert "Not correct yet" in html(wrong)
    for secret in ("zanzibar", "quokka", "how many equal parts"):
        assert secret not in html(wrong)


def test_a_parent_learning_as_a_child_records_work_for_the_child(client, parent, child, problem):
    client.force_login(parent)
    response = client.post(reverse("accounts:acting_switch"), {"profile_id": child.pk})
    assert response.status_code == 302 and client.session[SESSION_KEY] == child.pk
    key = answer_key(client.get(problem_url(problem)))
    client.post(problem_url(problem), {"answer": "3/4", "idempotency_key": key})
    submission = Submission.objects.get()
    assert submission.profile == child
    assert not Submission.objects.filter(profile=parent.profile).exists()
    assert "✓ Completed" in html(client.get(reverse("learning:module-detail", args=["basics"])))
    client.post(reverse("accounts:acting_stop"))
    assert "✓ Completed" not in html(client.get(reverse("learning:module-detail", args=["basics"])))


# --- history -------------------------------------------------------------------------------------


def test_history_is_paginated_newest_first_and_only_mine(learner_client, learner, other_learner, basics):
    problems = list(basics.problems.all())
    for n in range(30):
        submission_create(profile=learner.profile, problem=problems[n % 3], answer="1/2")
    submission_create(profile=other_learner.profile, problem=problems[0], answer="1/2")
    newest = Submission.objects.filter(profile=learner.profile).latest("pk")
    newest.problem.title = "The very newest"
    newest.problem.save()

    first = learner_client.get(reverse("learning:history"))
    assert first.status_code == 200
    assert html(first).count("<tr>") == 1 + 25
    assert "Page 1 of 2" in html(first) and "?page=2" in html(first)
    second = learner_client.get(reverse("learning:history"), {"page": 2})
    assert html(second).count("<tr>") == 1 + 5
    assert learner_client.get(reverse("learning:history"), {"page": "junk"}).status_code == 200


def test_empty_history_says_so(learner_client, learner):
    assert "No answers yet" in html(learner_client.get(reverse("learning:history")))


# --- query budgets -------------------------------------------------------------------------------


@pytest.fixture
def busy_catalogue(learner):
    """Several modules with prerequisites, many problems and plenty of history, so an N+1 shows."""
    previous = None
    modules = []
    for m in range(5):
        module = ModuleFactory(slug=f"busy-{m}", title=f"Busy {m}")
        if previous is not None:
            module.prerequisites.add(previous)
        for p in range(8):
            problem = ProblemFactory(module=module, slug=f"busy-{m}-{p}", display_order=p)
            if m == 0:
                submission_create(profile=learner.profile, problem=problem, answer="1/2")
                submission_create(profile=learner.profile, problem=problem, answer="3/4")
        previous = module
        modules.append(module)
    return modules


def test_learning_pages_cost_a_fixed_number_of_queries(learner_client, busy_catalogue, django_assert_max_num_queries):
    first = busy_catalogue[0]
    problem = first.problems.order_by("display_order").first()
    learner_client.get(problem_url(problem))  # warm up: the session and the progress row exist
    pages = {
        reverse("learning:modules"): 8,
        reverse("learning:module-detail", args=[first.slug]): 10,
        problem_url(problem): 13,
        reverse("learning:history"): 8,
        reverse("learning:history") + "?page=2": 8,
        reverse("learning:today"): 16,
        reverse("learning:goals"): 10,
        reverse("learning:practice"): 10,
    }
    for url, budget in pages.items():
        with django_assert_max_num_queries(budget):
            assert learner_client.get(url).status_code == 200, url
    result = Submission.objects.filter(problem=problem).first()
    with django_assert_max_num_queries(14):
        assert learner_client.get(f"{problem_url(problem)}?result={result.pk}").status_code == 200


# --- problem of the day --------------------------------------------------------------------------


def test_today_shows_the_problem_and_completion_after_solving(learner_client, learner, problem):
    today = learner.profile.local_today()
    potd = ProblemOfTheDay.objects.create(featured_on=today, problem=problem)
    older = ProblemFactory(module=problem.module, title="Earlier puzzle")
    yesterday = ProblemOfTheDay.objects.create(featured_on=today - timedelta(days=1), problem=older)
    old_submission = submission_create(profile=learner.profile, problem=older, answer="3/4").submission
    ProblemOfTheDayCompletion.objects.create(
        profile=learner.profile, problem_of_the_day=yesterday, submission=old_submission
    )

    page = html(learner_client.get(reverse("learning:today")))
    assert problem.title in page and problem_url(problem) in page
    assert "Solve today's problem" in page and "Completed today" not in page
    assert "Earlier puzzle" in page

    key = answer_key(learner_client.get(problem_url(problem)))
    response = learner_client.post(problem_url(problem), {"answer": "3/4", "idempotency_key": key}, follow=True)
    assert "problem of the day" in html(response)
    assert ProblemOfTheDayCompletion.objects.filter(profile=learner.profile, problem_of_the_day=potd).exists()
    page = html(learner_client.get(reverse("learning:today")))
    assert "Completed today" in page
    solved = page[page.index("Days you solved it") :]
    assert solved.index(problem.title) < solved.index("Earlier puzzle"), "newest first"


# --- practice ------------------------------------------------------------------------------------


def start_session(client, module, size=5):
    return client.post(reverse("learning:practice"), {"kind": "module", "module": module.pk, "size": size})


def test_practice_session_from_start_to_summary(learner_client, learner, basics):
    response = start_session(learner_client, basics)
    session = PracticeSession.objects.get(profile=learner.profile)
    assert response.status_code == 302 and response["Location"] == reverse(
        "learning:practice-session", args=[session.pk]
    )
    assert session.question_count == 3

    answers = ["3/4", "1/2", "3/4"]
    for position, answer in enumerate(answers, start=1):
        page = learner_client.get(reverse("learning:practice-session", args=[session.pk]))
        assert page.status_code == 200 and f"Question {position} of 3" in html(page)
        response = learner_client.post(
            reverse("learning:practice-session", args=[session.pk]),
            {"answer": answer, "idempotency_key": answer_key(page)},
        )
        assert response.status_code == 302
        if position == 2:
            follow = learner_client.get(response["Location"])
            assert "Not correct yet" in html(follow) and "Question 3 of 3" in html(follow)
            assert "1 / 2" in html(follow), "running score: one of two correct"

    assert response["Location"].startswith(reverse("learning:practice-summary", args=[session.pk]))
    summary = html(learner_client.get(response["Location"]))
    assert "67%" in summary and "2 / 3" in summary
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.COMPLETED and session.correct_count == 2
    assert str(session.points) in summary
    assert learner_client.get(reverse("learning:practice-session", args=[session.pk]))["Location"].endswith("/summary/")


def test_practice_double_clicked_answer_records_once(learner_client, learner, basics):
    start_session(learner_client, basics)
    session = PracticeSession.objects.get()
    url = reverse("learning:practice-session", args=[session.pk])
    key = answer_key(learner_client.get(url))
    first = learner_client.post(url, {"answer": "3/4", "idempotency_key": key})
    second = learner_client.post(url, {"answer": "3/4", "idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert Submission.objects.filter(practice_session=session).count() == 1
    assert "Question 2 of 3" in html(learner_client.get(second["Location"]))


def test_practice_malformed_answer_is_a_form_error(learner_client, basics):
    start_session(learner_client, basics)
    session = PracticeSession.objects.get()
    url = reverse("learning:practice-session", args=[session.pk])
    response = learner_client.post(url, {"answer": "", "idempotency_key": answer_key(learner_client.get(url))})
    assert response.status_code == 400 and "Please enter an answer." in html(response)
    assert not Submission.objects.exists()


def test_starting_while_a_session_is_in_progress_goes_back_to_it(learner_client, learner, basics):
    start_session(learner_client, basics)
    session = PracticeSession.objects.get()
    response = learner_client.post(reverse("learning:practice"), {"kind": "mixed", "size": 10}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("learning:practice-session", args=[session.pk])
    assert "already have a session in progress" in html(response)
    assert PracticeSession.objects.count() == 1


def test_practice_start_form_refuses_bad_input(learner_client, basics, advanced):
    assert start_session(learner_client, advanced).status_code == 400, "a locked module is not a choice"
    response = learner_client.post(reverse("learning:practice"), {"kind": "module", "size": 10})
    assert response.status_code == 400 and "Choose a module" in html(response)
    assert learner_client.post(reverse("learning:practice"), {"kind": "mixed", "size": 7}).status_code == 400
    response = learner_client.post(reverse("learning:practice"), {"kind": "review", "size": 5})
    assert response.status_code == 400 and "No mistakes to review" in html(response)
    assert not PracticeSession.objects.exists()


def test_ending_a_session_early_shows_the_summary(learner_client, learner, basics):
    start_session(learner_client, basics)
    session = PracticeSession.objects.get()
    url = reverse("learning:practice-session", args=[session.pk])
    learner_client.post(url, {"answer": "3/4", "idempotency_key": answer_key(learner_client.get(url))})
    response = learner_client.post(reverse("learning:practice-end", args=[session.pk]), follow=True)
    page = html(response)
    assert response.redirect_chain[-1][0] == reverse("learning:practice-summary", args=[session.pk])
    assert "33%" in page and "Not answered" in page
    listing = html(learner_client.get(reverse("learning:practice")))
    assert "1/3 correct" in listing


def test_someone_elses_session_is_404(client, learner, other_learner, basics):
    session = sessions.practice_session_start(profile=learner.profile, kind="module", module=basics, size=3)
    client.force_login(other_learner)
    for name in ("practice-session", "practice-summary"):
        assert client.get(reverse(f"learning:{name}", args=[session.pk])).status_code == 404
    assert client.post(reverse("learning:practice-session", args=[session.pk]), {"answer": "3/4"}).status_code == 404
    assert client.post(reverse("learning:practice-end", args=[session.pk])).status_code == 404
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.ACTIVE and not Submission.objects.exists()


def test_module_page_practise_button_starts_a_module_session(learner_client, learner, basics):
    page = html(learner_client.get(reverse("learning:module-detail", args=["basics"])))
    assert f'name="module" value="{basics.pk}"' in page
    start_session(learner_client, basics, size=10)
    assert PracticeSession.objects.get(profile=learner.profile).module == basics


# --- goals ---------------------------------------------------------------------------------------


def test_daily_goal_presets_and_custom(learner_client, learner):
    url = reverse("learning:goals")
    assert learner_client.post(url, {"form": "daily", "daily-level": "regular"}).status_code == 302
    assert Goal.objects.get(profile=learner.profile, is_active=True).target == 250
    learner_client.post(url, {"form": "daily", "daily-level": "custom", "daily-points": "120"})
    assert list(Goal.objects.filter(profile=learner.profile, is_active=True).values_list("target", flat=True)) == [120]
    page = html(learner_client.get(url))
    assert "120 points today" in page and "<progress" in page


@pytest.mark.parametrize(
    "data",
    [
        {"form": "daily", "daily-level": "custom", "daily-points": "5"},
        {"form": "daily", "daily-level": "custom", "daily-points": ""},
        {"form": "daily", "daily-level": "legendary"},
        {"form": "weekly", "weekly-target": "lots"},
        {"form": "weekly", "weekly-target": "0"},
        {"form": "module", "module-module": "", "module-due_on": "2099-01-01"},
        {"form": "module", "module-due_on": "2000-01-01"},
    ],
)
def test_bad_goal_input_is_a_form_error_and_writes_nothing(learner_client, basics, data):
    if data["form"] == "module" and "module-module" not in data:
        data = {**data, "module-module": basics.pk}
    response = learner_client.post(reverse("learning:goals"), data)
    assert response.status_code == 400
    assert 'class="field-error"' in html(response) or 'class="form-errors"' in html(response)
    assert not Goal.objects.exists()


def test_weekly_and_module_goals_show_progress_and_can_be_archived(learner_client, learner, basics):
    url = reverse("learning:goals")
    learner_client.post(url, {"form": "weekly", "weekly-target": "4"})
    due = (learner.profile.local_today() + timedelta(days=7)).isoformat()
    learner_client.post(url, {"form": "module", "module-module": basics.pk, "module-due_on": due})
    submission_create(profile=learner.profile, problem=basics.problems.first(), answer="3/4")
    page = html(learner_client.get(url))
    assert "Solve 4 problems this week" in page and "1 of 4" in page
    assert "Finish Basics by" in page and "1 of 3" in page

    weekly = Goal.objects.get(kind=Goal.Kind.WEEKLY_PROBLEMS)
    assert learner_client.post(reverse("learning:goal-archive", args=[weekly.pk])).status_code == 302
    weekly.refresh_from_db()
    assert not weekly.is_active
    assert "Solve 4 problems this week" not in html(learner_client.get(url))


def test_cannot_archive_someone_elses_goal(client, learner, other_learner):
    goal = Goal.objects.create(profile=learner.profile, kind=Goal.Kind.WEEKLY_PROBLEMS, target=3)
    client.force_login(other_learner)
    assert client.post(reverse("learning:goal-archive", args=[goal.pk])).status_code == 404
    goal.refresh_from_db()
    assert goal.is_active
