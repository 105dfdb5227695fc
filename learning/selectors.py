"""Reads that join, annotate or aggregate. Each returns plain values or querysets with a fixed
number of queries whatever the learner's history."""

import copy
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, F, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.memo import ProcessMemo

from .models import Module, Problem, ProblemProgress, ProgressStatus, Submission


@dataclass(frozen=True)
class ModuleState:
    module: Module
    total: int
    completed: int
    is_unlocked: bool
    missing_prerequisites: tuple  # titles of prerequisite modules not yet complete

    @property
    def is_complete(self):
        return self.total > 0 and self.completed >= self.total

    @property
    def percent(self):
        return round(100 * self.completed / self.total) if self.total else 0


def _with_counts(modules, profile):
    """Annotate each module with its published problem count and how many of them `profile`
    has completed. Correlated subqueries: the completed count reads only this learner's
    progress rows (index on profile, status), never every learner's, as a join under a
    filtered Count would (9 s at 100k learners, docs/performance.md)."""
    published = (
        Problem.objects.filter(module=OuterRef("pk"), is_published=True)
        .order_by()
        .values("module")
        .annotate(n=Count("pk"))
        .values("n")
    )
    completed = (
        ProblemProgress.objects.filter(
            profile=profile,
            status=ProgressStatus.COMPLETED,
            problem__module=OuterRef("pk"),
            problem__is_published=True,
        )
        .order_by()
        .values("problem__module")
        .annotate(n=Count("pk"))
        .values("n")
    )
    completed_total = Coalesce(Subquery(completed), 0) if profile is not None else Value(0)
    return modules.annotate(published_total=Coalesce(Subquery(published), 0), completed_total=completed_total)


def module_states_for(profile, *, module_ids=None):
    """Lock state and progress of every published module for `profile`, in display order.

    A module is complete when every published problem in it is completed; it is unlocked when
    all of its published prerequisites are complete. Two queries.
    """
    modules = list(
        _with_counts(Module.objects.filter(is_published=True), profile)
        .prefetch_related(
            Prefetch("prerequisites", queryset=Module.objects.filter(is_published=True).only("pk", "title"))
        )
        .order_by("display_order", "slug")
    )
    complete = {m.pk for m in modules if m.published_total and m.completed_total >= m.published_total}
    states = []
    for module in modules:
        missing = tuple(p.title for p in module.prerequisites.all() if p.pk not in complete)
        states.append(
            ModuleState(
                module=module,
                total=module.published_total,
                completed=module.completed_total,
                is_unlocked=not missing,
                missing_prerequisites=missing,
            )
        )
    if module_ids is not None:
        states = [s for s in states if s.module.pk in module_ids]
    return states


def missing_prerequisites(profile, module):
    """Titles of `module`'s published prerequisites that `profile` has not completed. One query;
    the submit path's lock check."""
    rows = (
        _with_counts(Module.objects.filter(unlocks=module, is_published=True), profile)
        .order_by("display_order")
        .values_list("title", "published_total", "completed_total")
    )
    return tuple(title for title, total, completed in rows if not total or completed < total)


def completed_module_count(profile):
    """How many published modules `profile` has completed (every published problem solved). One
    query, over every module: the submit path runs it only when a solve completes a module
    (`module_has_unsolved_others`)."""
    return (
        _with_counts(Module.objects.filter(is_published=True), profile)
        .filter(published_total__gt=0, completed_total__gte=F("published_total"))
        .count()
    )


def unlocked_module_ids(profile):
    return {state.module.pk for state in module_states_for(profile) if state.is_unlocked}


def problems_with_progress(*, module, profile):
    """Published problems of `module` in order, each with `.my_progress` (or None). Two queries."""
    problems = list(module.problems.filter(is_published=True).order_by("display_order", "slug"))
    progress = {}
    if profile is not None:
        progress = {
            p.problem_id: p
            for p in ProblemProgress.objects.filter(profile=profile, problem__in=[x.pk for x in problems])
        }
    for problem in problems:
        problem.my_progress = progress.get(problem.pk)
    return problems


def local_day_bounds(profile, day):
    """The UTC instants where `day` starts and ends in the learner's time zone."""
    start = datetime.combine(day, time.min, tzinfo=profile.zone)
    return start, start + timedelta(days=1)


def points_on(profile, day):
    """Points the learner earned on their local `day` (from the submissions, never cached)."""
    start, end = local_day_bounds(profile, day)
    total = Submission.objects.filter(profile=profile, created_at__gte=start, created_at__lt=end).aggregate(
        total=Sum("points_awarded")
    )["total"]
    return total or 0


def has_solved(profile, problem):
    if profile is None:
        return False
    return ProblemProgress.objects.filter(profile=profile, problem=problem, status=ProgressStatus.COMPLETED).exists()


def problem_get_published(slug):
    """The published problem `slug` in a published module, with its module, or None."""
    return (
        Problem.objects.select_related("module").filter(slug=slug, is_published=True, module__is_published=True).first()
    )


# The published catalogue, kept per process for the API's problem endpoints: the submit path
# looks its problem up on every answer, and content changes rarely. It is loaded whole (one
# query every PROBLEM_CACHE_SECONDS instead of one per problem and period); a slug it lacks is
# looked up on its own, so a problem published meanwhile is found at once. The process that
# changes content forgets it at once (`problems_forget`: model signals, the admin's publish
# actions, content_sync); every other process within PROBLEM_CACHE_SECONDS. Pages read the
# database directly, so an unpublished problem leaves them at once everywhere.
PROBLEM_CACHE_SECONDS = 30
_published_problems = ProcessMemo(PROBLEM_CACHE_SECONDS)


def _published_catalogue():
    problems = Problem.objects.select_related("module").filter(is_published=True, module__is_published=True)
    return {problem.slug: problem for problem in problems}


def problem_get_published_cached(slug):
    """`problem_get_published(slug)`, at most PROBLEM_CACHE_SECONDS old. Each caller gets its
    own copy of the instance (sharing its module), so nothing one request sets on it leaks."""
    catalogue = _published_problems.get("catalogue", _published_catalogue)
    problem = catalogue.get(slug)
    if problem is None:
        problem = problem_get_published(slug)
        if problem is not None:
            catalogue[slug] = problem
    return copy.copy(problem) if problem is not None else None


problems_forget = _published_problems.forget
