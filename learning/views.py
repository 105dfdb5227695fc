"""Server-rendered learning pages. Thin: each view turns a request into selector and service
calls and a service's `DomainError` into a form error or an error page. Every piece of work is
recorded against `request.profile`, the active profile (a learner, or the child a parent is
learning as). All pages work without JavaScript; answers use POST/redirect/GET."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from accounts.errors import Conflict, DomainError, InvalidInput, NotFound
from accounts.forms import add_domain_error
from accounts.shortcuts import profile_or_404

from . import selectors
from .dashboard import dashboard_for
from .forms import (
    AnswerForm,
    DailyGoalForm,
    ModuleGoalForm,
    PracticeStartForm,
    WeeklyGoalForm,
    new_idempotency_key,
)
from .models import (
    Module,
    PracticeSession,
    Problem,
    ProblemOfTheDayCompletion,
    ProgressStatus,
    Submission,
)
from .services import goals as goal_services
from .services import potd as potd_services
from .services import sessions as session_services
from .services.submissions import ModuleLocked, check_problem_answerable, problem_open, submission_create

HISTORY_PAGE_SIZE = 25
POTD_HISTORY_LIMIT = 30
RECENT_SESSIONS = 10


def _locked(request, message, *, module=None):
    return render(request, "learning/locked.html", {"message": message, "module": module}, status=403)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _refresh_key(form):
    """After a refused answer, render a fresh one-time key: the old one may already be spent."""
    form.data = form.data.copy()
    form.data[form.add_prefix("idempotency_key")] = new_idempotency_key()


# --- modules and problems ------------------------------------------------------------------------


def home(request):
    """The site's front page: a landing page for visitors, the learner's dashboard otherwise."""
    if not request.user.is_authenticated:
        return render(request, "home.html", {"landing": True})
    return render(request, "learning/dashboard.html", {"dash": dashboard_for(request.profile)})


@login_required
def learner_overview(request, profile_id):
    """A learner's dashboard, read-only, for anyone who may view them (guardians, linked
    teachers, staff); strangers get 404 from the permission module."""
    profile = profile_or_404(request.user, profile_id, permissions.VIEW)
    dash = dashboard_for(profile)
    return render(request, "learning/dashboard.html", {"dash": dash, "viewer_mode": True})


@login_required
def module_list(request):
    states = selectors.module_states_for(request.profile)
    return render(request, "learning/module_list.html", {"states": states})


@login_required
def module_detail(request, module_slug):
    module = get_object_or_404(Module, slug=module_slug, is_published=True)
    states = selectors.module_states_for(request.profile, module_ids={module.pk})
    state = states[0]
    if not state.is_unlocked:
        missing = ", ".join(state.missing_prerequisites)
        return _locked(request, f"“{module.title}” is locked. Complete {missing} first.", module=module)
    problems = selectors.problems_with_progress(module=module, profile=request.profile)
    return render(request, "learning/module_detail.html", {"module": module, "state": state, "problems": problems})


def _next_problem(problem):
    """The next published problem in the same module, in module order, or None."""
    return (
        Problem.objects.filter(module_id=problem.module_id, is_published=True)
        .filter(
            Q(display_order__gt=problem.display_order) | Q(display_order=problem.display_order, slug__gt=problem.slug)
        )
        .order_by("display_order", "slug")
        .only("slug", "title", "module_id")
        .first()
    )


def _problem_page(request, problem, form, *, status=200):
    profile = request.profile
    try:
        progress = problem_open(profile=profile, problem=problem)
    except ModuleLocked as error:
        return _locked(request, error.message, module=problem.module)
    except NotFound:
        raise Http404 from None
    result = None
    result_id = _int_or_none(request.GET.get("result"))
    if result_id is not None:
        result = Submission.objects.filter(pk=result_id, profile=profile, problem=problem).first()
    context = {
        "problem": problem,
        "module": problem.module,
        "form": form,
        "progress": progress,
        # The progress row problem_open returns is the fact selectors.has_solved reads; reuse it.
        "is_solved": progress.status == ProgressStatus.COMPLETED,
        "result": result,
        "next_problem": _next_problem(problem),
    }
    return render(request, "learning/problem_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def problem_detail(request, module_slug, problem_slug):
    problem = selectors.problem_get_published(problem_slug)
    if problem is None or problem.module.slug != module_slug:
        raise Http404("No such problem.")
    profile = request.profile
    if request.method == "GET":
        return _problem_page(request, problem, AnswerForm(problem=problem, profile=profile))

    try:
        # Locked before malformed: a locked problem refuses every answer the same way.
        check_problem_answerable(profile=profile, problem=problem)
    except ModuleLocked as error:
        return _locked(request, error.message, module=problem.module)
    except NotFound:
        raise Http404 from None
    form = AnswerForm(request.POST, problem=problem, profile=profile)
    status = 400
    if form.is_valid():
        try:
            result = submission_create(
                profile=profile, problem=problem, answer=form.answer_value(), idempotency_key=form.submitted_key()
            )
        except ModuleLocked as error:
            return _locked(request, error.message, module=problem.module)
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            if error.code == "idempotency_key_reused":
                form.add_error(
                    None, "This form was already sent with another answer. Check your answer and submit again."
                )
            else:
                add_domain_error(form, error)
            status = error.status
        else:
            if result.potd_completed:
                messages.success(request, "You solved today's problem of the day!")
            url = reverse("learning:problem-detail", args=[problem.module.slug, problem.slug])
            return redirect(f"{url}?result={result.submission.pk}")
    _refresh_key(form)
    return _problem_page(request, problem, form, status=status)


# --- history and problem of the day -------------------------------------------------------------


@login_required
def history(request):
    submissions = (
        Submission.objects.filter(profile=request.profile)
        .select_related("problem", "problem__module")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(submissions, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "learning/history.html", {"page": page})


@login_required
def today(request):
    profile = request.profile
    potd = potd_services.potd_for_profile(profile)
    completions = list(
        ProblemOfTheDayCompletion.objects.filter(profile=profile)
        .select_related("problem_of_the_day__problem__module", "submission")
        .order_by("-problem_of_the_day__featured_on", "-pk")[:POTD_HISTORY_LIMIT]
    )
    completed_today = potd is not None and any(c.problem_of_the_day_id == potd.pk for c in completions)
    context = {
        "potd": potd,
        "completed_today": completed_today,
        "completions": completions,
        "today": profile.local_today(),
    }
    return render(request, "learning/today.html", context)


# --- practice sessions ---------------------------------------------------------------------------


def _session_or_404(request, session_id):
    try:
        return session_services.practice_session_get(profile=request.profile, session_id=session_id)
    except NotFound:
        raise Http404("No such practice session.") from None


def _session_url(name, session, **query):
    url = reverse(f"learning:{name}", args=[session.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


@login_required
@require_http_methods(["GET", "POST"])
def practice(request):
    profile = request.profile
    unlocked = [state.module for state in selectors.module_states_for(profile) if state.is_unlocked and state.total]
    status = 200
    if request.method == "POST":
        form = PracticeStartForm(request.POST, unlocked_modules=unlocked)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = session_services.practice_session_start(
                    profile=profile, kind=data["kind"], size=data["size"], module=data["module"]
                )
            except Conflict as error:
                session_id = error.extra.get("session_id")
                if error.code != "session_in_progress" or session_id is None:
                    raise
                messages.info(request, "You already have a session in progress: here it is. End it to start another.")
                return redirect("learning:practice-session", session_id)
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                return redirect("learning:practice-session", session.pk)
        else:
            status = 400
    else:
        initial = {}
        module_id = _int_or_none(request.GET.get("module"))
        if module_id is not None and any(m.pk == module_id for m in unlocked):
            initial = {"kind": PracticeSession.Kind.MODULE, "module": module_id}
        form = PracticeStartForm(initial=initial, unlocked_modules=unlocked)
    recent = list(
        PracticeSession.objects.filter(profile=profile)
        .select_related("module")
        .order_by("-started_at")[:RECENT_SESSIONS]
    )
    return render(request, "learning/practice_start.html", {"form": form, "recent": recent}, status=status)


def _session_totals(session):
    return session.items.aggregate(
        answered=Count("pk", filter=Q(submission__isnull=False)),
        correct=Count("pk", filter=Q(is_correct=True)),
        points=Sum("points", default=0),
    )


def _last_answer(request, session):
    last_id = _int_or_none(request.GET.get("last"))
    if last_id is None:
        return None
    return (
        Submission.objects.filter(pk=last_id, profile=request.profile, practice_session=session)
        .select_related("problem", "problem__module")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def practice_session(request, session_id):
    profile = request.profile
    session = _session_or_404(request, session_id)
    if session.status != PracticeSession.Status.ACTIVE:
        return redirect("learning:practice-summary", session.pk)
    status = 200
    if request.method == "POST":
        key = request.POST.get("idempotency_key") or None
        # A double-clicked submit: the first click already answered (and moved past) this
        # question, so the second must not be read as an answer to the next one.
        previous = (
            key and Submission.objects.filter(profile=profile, practice_session=session, idempotency_key=key).first()
        )
        if previous:
            return redirect(_session_url("practice-session", session, last=previous.pk))
    item = session_services.practice_session_next_item(session)
    if item is None:
        return redirect("learning:practice-summary", session.pk)
    problem = item.problem
    if request.method == "POST":
        form = AnswerForm(request.POST, problem=problem, profile=profile)
        status = 400
        if form.is_valid():
            try:
                result = session_services.practice_session_answer(
                    profile=profile, session=session, answer=form.answer_value(), idempotency_key=form.submitted_key()
                )
            except InvalidInput as error:
                add_domain_error(form, error)
            except DomainError as error:
                messages.error(request, error.message)
                return redirect("learning:practice-session", session.pk)
            else:
                session.refresh_from_db(fields=["status"])
                name = "practice-session" if session.status == PracticeSession.Status.ACTIVE else "practice-summary"
                return redirect(_session_url(name, session, last=result.submission.pk))
        _refresh_key(form)
    else:
        form = AnswerForm(problem=problem, profile=profile)
    # Start the clock when the question is shown, as the problem page does. An error here (its
    # module locked again) is reported properly when the learner answers.
    with contextlib.suppress(DomainError):
        problem_open(profile=profile, problem=problem)
    context = {
        "session": session,
        "item": item,
        "problem": problem,
        "form": form,
        "totals": _session_totals(session),
        "last": _last_answer(request, session),
    }
    return render(request, "learning/practice_session.html", context, status=status)


@login_required
@require_POST
def practice_end(request, session_id):
    session = _session_or_404(request, session_id)
    session_services.practice_session_end(profile=request.profile, session=session)
    messages.info(request, "Session ended. Unanswered questions count as missed.")
    return redirect("learning:practice-summary", session.pk)


@login_required
def practice_summary(request, session_id):
    session = _session_or_404(request, session_id)
    if session.status == PracticeSession.Status.ACTIVE:
        return redirect("learning:practice-session", session.pk)
    items = list(session.items.select_related("problem", "problem__module").order_by("position"))
    context = {"session": session, "items": items, "last": _last_answer(request, session)}
    return render(request, "learning/practice_summary.html", context)


# --- goals ---------------------------------------------------------------------------------------

GOAL_FORMS = {form.form_name: form for form in (DailyGoalForm, WeeklyGoalForm, ModuleGoalForm)}


@login_required
@require_http_methods(["GET", "POST"])
def goals(request):
    profile = request.profile
    forms = {name: form_class(prefix=name) for name, form_class in GOAL_FORMS.items()}
    status = 200
    if request.method == "POST":
        name = request.POST.get("form")
        if name not in GOAL_FORMS:
            return render(request, "400.html", status=400)
        form = forms[name] = GOAL_FORMS[name](request.POST, prefix=name)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if name == "daily":
                    goal_services.daily_goal_set(profile=profile, level=data["level"], points=data["points"])
                elif name == "weekly":
                    goal_services.goal_create(profile=profile, kind="weekly_problems", target=data["target"])
                else:
                    goal_services.goal_create(
                        profile=profile, kind="module_by_date", module=data["module"], due_on=data["due_on"]
                    )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, "Goal saved.")
                return redirect("learning:goals")
    context = {"progress": goal_services.goals_progress_for(profile), "forms": forms}
    return render(request, "learning/goals.html", context, status=status)


@login_required
@require_POST
def goal_archive(request, goal_id):
    try:
        goal_services.goal_archive(profile=request.profile, goal_id=goal_id)
    except NotFound:
        raise Http404("No such goal.") from None
    messages.info(request, "Goal archived.")
    return redirect("learning:goals")
