"""Learning goals. Progress is computed from submissions at read time, never stored."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.errors import InvalidInput, NotFound

from ..models import Goal, Module, Submission
from ..selectors import module_states_for, points_on

MAX_DAILY_POINTS = 10_000
MAX_WEEKLY_PROBLEMS = 500


def daily_goal_set(*, profile, level=None, points=None):
    """Choose a daily points goal: a preset level (casual, regular, serious) or a custom number.
    Replaces the previous daily goal in the same transaction."""
    if level and level != "custom":
        if level not in Goal.DAILY_PRESETS:
            raise InvalidInput("Choose casual, regular, serious or custom.", fields={"level": ["Unknown level."]})
        points = Goal.DAILY_PRESETS[level]
    try:
        points = int(points)
    except (TypeError, ValueError):
        raise InvalidInput("Enter a number of points.", fields={"points": ["Enter a whole number."]}) from None
    if not 10 <= points <= MAX_DAILY_POINTS:
        raise InvalidInput(
            f"A daily goal is between 10 and {MAX_DAILY_POINTS} points.", fields={"points": ["Out of range."]}
        )
    try:
        with transaction.atomic(durable=True):
            Goal.objects.filter(profile=profile, kind=Goal.Kind.DAILY_POINTS, is_active=True).update(is_active=False)
            return Goal.objects.create(profile=profile, kind=Goal.Kind.DAILY_POINTS, target=points)
    except IntegrityError:
        raise InvalidInput("Your goal changed in another window; try again.", code="conflict") from None


def goal_create(*, profile, kind, target=None, module=None, due_on=None, today=None):
    """Create a weekly-problems goal or a finish-a-module-by-a-date goal."""
    today = today or profile.local_today()
    if kind == Goal.Kind.WEEKLY_PROBLEMS:
        try:
            target = int(target)
        except (TypeError, ValueError):
            raise InvalidInput("Enter how many problems.", fields={"target": ["Enter a whole number."]}) from None
        if not 1 <= target <= MAX_WEEKLY_PROBLEMS:
            raise InvalidInput(f"Choose 1–{MAX_WEEKLY_PROBLEMS} problems a week.", fields={"target": ["Out of range."]})
        values = {"target": target}
    elif kind == Goal.Kind.MODULE_BY_DATE:
        if not isinstance(module, Module) or not module.is_published:
            raise InvalidInput("Choose a module.", fields={"module": ["Choose a module."]})
        if isinstance(due_on, str):
            try:
                due_on = date.fromisoformat(due_on)
            except ValueError:
                due_on = None
        if not isinstance(due_on, date) or due_on < today:
            raise InvalidInput("Choose a date from today on.", fields={"due_on": ["Choose a date from today on."]})
        values = {"module": module, "due_on": due_on, "target": 0}
    elif kind == Goal.Kind.DAILY_POINTS:
        return daily_goal_set(profile=profile, points=target)
    else:
        raise InvalidInput("Unknown kind of goal.", fields={"kind": ["Unknown kind."]})
    with transaction.atomic(durable=True):
        return Goal.objects.create(profile=profile, kind=kind, **values)


def goal_archive(*, profile, goal_id):
    with transaction.atomic(durable=True):
        archived = Goal.objects.filter(pk=goal_id, profile=profile, is_active=True).update(is_active=False)
    if not archived:
        raise NotFound("No such goal.")


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    current: int
    target: int
    label: str
    is_met: bool
    is_overdue: bool = False

    @property
    def percent(self):
        return min(100, round(100 * self.current / self.target)) if self.target else 0


def week_bounds(profile, today):
    """Monday-to-Monday of the learner's local week, as UTC-aware instants."""
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time.min, tzinfo=profile.zone)
    return start, start + timedelta(days=7)


def goals_progress_for(profile, now=None):
    """Every active goal of `profile` with its progress. At most five queries."""
    now = now or timezone.now()
    today = profile.local_today(now)
    goals = list(Goal.objects.filter(profile=profile, is_active=True).select_related("module").order_by("kind", "pk"))
    result = []
    daily_points = weekly_solved = None
    states = None
    for goal in goals:
        if goal.kind == Goal.Kind.DAILY_POINTS:
            if daily_points is None:
                daily_points = points_on(profile, today)
            result.append(
                GoalProgress(
                    goal, daily_points, goal.target, f"{goal.target} points today", daily_points >= goal.target
                )
            )
        elif goal.kind == Goal.Kind.WEEKLY_PROBLEMS:
            if weekly_solved is None:
                start, end = week_bounds(profile, today)
                weekly_solved = Submission.objects.filter(
                    profile=profile, is_first_solve=True, created_at__gte=start, created_at__lt=end
                ).aggregate(n=Count("pk"))["n"]
            result.append(
                GoalProgress(
                    goal,
                    weekly_solved,
                    goal.target,
                    f"Solve {goal.target} problems this week",
                    weekly_solved >= goal.target,
                )
            )
        else:
            if states is None:
                states = {s.module.pk: s for s in module_states_for(profile)}
            state = states.get(goal.module_id)
            completed, total = (state.completed, state.total) if state else (0, 0)
            met = bool(total) and completed >= total
            result.append(
                GoalProgress(
                    goal,
                    completed,
                    total,
                    f"Finish {goal.module.title} by {goal.due_on:%d %b %Y}",
                    met,
                    is_overdue=not met and today > goal.due_on,
                )
            )
    return result
