"""Achievement rules: what an achievement can be awarded for, as a registry of rule kinds.

Staff pick a rule kind from this registry when they define an achievement in the admin. Each
rule answers two questions: `is_met` for one learner action (from an AchievementContext, with
no queries of its own except ledger facts the event concerns) and `qualifying_profile_ids` for
a backfill over a range of learners. Awarding lives in `achievements`.

This app never imports learning: facts about practice sessions, solve times and modules arrive
on the ActivityEvent, and for backfills through `register_backfill_source`, which learning
calls from its AppConfig.ready().
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.db.models import Count

from .levels import level_for_xp
from .models import ActivityDay, ProfileStats, XpEntry, XpReason

# Context -----------------------------------------------------------------------------------
HISTORY_DAYS = 366  # how far back a history rule looks: a run longer than a year counts as a year


def history_window(day):
    """(first, last) local dates of the ledger days a history rule reads for an action on `day`."""
    return day - timedelta(days=HISTORY_DAYS - 1), day


class AchievementContext:
    """What one learner action tells the rules, built once per action.

    `stats` is the learner's locked stats row holding the action's new values, in memory (not
    saved yet); `stats_before` the StreakState before it; `event` the ActivityEvent; `credited`
    the awards of the event the ledger is about to hold (repeats already dropped), whose rows
    are not written yet; `xp_before`/`solved_before` the counters before the action. `history`
    maps an XP reason to the learner's ledger days of it in `history_window`, newest first,
    when the caller read them; other ledger facts are computed lazily, once.
    """

    def __init__(self, *, stats, stats_before, event, credited, xp_before, solved_before, history=None):
        self.stats = stats
        self.stats_before = stats_before
        self.event = event
        self.credited = tuple(credited)
        # Every award the event carries, credited or a repeat: a daily goal met again today
        # still lets a goal rule defined since then fire.
        self.award_reasons = {award.reason for award in event.awards if award.amount > 0}
        self.xp_before = xp_before
        self.solved_before = solved_before
        self.level_before = level_for_xp(xp_before)
        self.history = history or {}

    def has_award(self, reason):
        return reason in self.award_reasons

    def _credited_count(self, reason):
        return sum(1 for award in self.credited if award.reason == reason)

    @cached_property
    def problems_of_the_day(self):
        """How many problems of the day the learner has completed, this one included (one query)."""
        stored = XpEntry.objects.filter(profile_id=self.stats.profile_id, reason=XpReason.PROBLEM_OF_THE_DAY).count()
        return stored + self._credited_count(XpReason.PROBLEM_OF_THE_DAY)

    @cached_property
    def daily_goal_days_running(self):
        """Consecutive days, ending on the event's day, on which the daily goal was met (no
        query when the caller read the history, else one reading at most HISTORY_DAYS days)."""
        day = self.event.local_date
        days = self.history.get(XpReason.DAILY_GOAL)
        if days is None:
            first, last = history_window(day)
            days = XpEntry.objects.filter(
                profile_id=self.stats.profile_id, reason=XpReason.DAILY_GOAL, earned_on__range=(first, last)
            ).values_list("earned_on", flat=True)
        days = set(days)
        if self._credited_count(XpReason.DAILY_GOAL):
            days.add(day)  # this action's entry, written after evaluation
        return _run_ending(sorted(days, reverse=True), day)


def _run_ending(days_newest_first, day):
    """How many consecutive days end on `day` in a newest-first list of dates."""
    run = 0
    for earned_on in days_newest_first:
        if earned_on == day - timedelta(days=run):
            run += 1
        elif earned_on < day - timedelta(days=run):
            break
    return run


# Rules -------------------------------------------------------------------------------------
class Rule(ABC):
    """One kind of achievement rule.

    `is_met(context, threshold)` answers for one action without queries of its own, except
    lazily computed ledger facts when the event concerns them. Counter rules answer "did this
    action reach the threshold", so a standing condition does not re-fire on every action:
    definitions added later reach existing learners through `achievement_backfill`.
    `qualifying_profile_ids(threshold, ids)` returns the ids of everyone who qualifies today
    among the profile ids in `ids` (an IdRange), so a backfill reads the facts window by window.
    """

    kind = ""
    label = ""
    threshold_help = ""
    facts = ()  # ActivityEvent facts this rule reads that cost the caller a query to compute
    history = ()  # XP reasons whose recent ledger days this rule reads, when the event has such an award

    @abstractmethod
    def is_met(self, context, threshold): ...

    @abstractmethod
    def qualifying_profile_ids(self, threshold, ids): ...


class CounterRule(Rule):
    """Met when the action moved a ProfileStats counter from below `threshold` to at least it."""

    field = ""

    def before(self, context):
        raise NotImplementedError

    def is_met(self, context, threshold):
        return self.before(context) < threshold <= getattr(context.stats, self.field)

    def qualifying_profile_ids(self, threshold, ids):
        rows = ids.of(ProfileStats.objects.filter(**{f"{self.field}__gte": threshold}))
        return rows.values_list("profile_id", flat=True)


class FirstSolve(CounterRule):
    kind = "first_solve"
    label = "First problem solved"
    threshold_help = "Not used."
    field = "problems_solved"

    def before(self, context):
        return context.solved_before

    def is_met(self, context, threshold):
        return super().is_met(context, 1)

    def qualifying_profile_ids(self, threshold, ids):
        return super().qualifying_profile_ids(1, ids)


class ProblemsSolved(CounterRule):
    kind = "problems_solved"
    label = "Problems solved ≥ N"
    threshold_help = "N: problems solved in total."
    field = "problems_solved"

    def before(self, context):
        return context.solved_before


class Streak(CounterRule):
    kind = "streak"
    label = "Streak of N days"
    threshold_help = "N: days in a row (the learner's longest streak counts)."
    field = "longest_streak"

    def before(self, context):
        return context.stats_before.longest


class Level(CounterRule):
    kind = "level"
    label = "Level ≥ N"
    threshold_help = "N: the level reached."
    field = "level"

    def before(self, context):
        return context.level_before


class TotalXp(CounterRule):
    kind = "total_xp"
    label = "Total XP ≥ N"
    threshold_help = "N: XP earned in total (achievement rewards included)."
    field = "total_xp"

    def before(self, context):
        return context.xp_before


class BackfilledFromSource(Rule):
    """A rule whose facts live in another app; its backfill asks the registered source."""

    def qualifying_profile_ids(self, threshold, ids):
        source = _BACKFILL_SOURCES.get(self.kind)
        if source is None:
            raise LookupError(f"No backfill source is registered for achievement rule “{self.kind}”.")
        return source(threshold, ids)


class PerfectSession(BackfilledFromSource):
    kind = "perfect_session"
    label = "Perfect practice session of ≥ N questions"
    threshold_help = "N: the fewest questions a session needs, all answered correctly."

    def is_met(self, context, threshold):
        questions, correct = context.event.session_questions, context.event.session_correct
        return questions is not None and questions >= threshold and correct == questions


class SpeedSolve(BackfilledFromSource):
    kind = "speed_solve"
    label = "First solve in ≤ N seconds"
    threshold_help = "N: seconds from opening the problem to the first correct answer."

    def is_met(self, context, threshold):
        seconds = context.event.first_solve_seconds
        return seconds is not None and seconds <= threshold


class ModulesCompleted(BackfilledFromSource):
    kind = "modules_completed"
    label = "Modules completed ≥ N"
    threshold_help = "N: modules with every published problem solved."
    facts = ("modules_completed",)

    def is_met(self, context, threshold):
        completed = context.event.modules_completed
        return completed is not None and completed >= threshold


class ProblemsOfTheDay(Rule):
    kind = "problems_of_the_day"
    label = "Problems of the day ≥ N"
    threshold_help = "N: problems of the day completed in total."

    def is_met(self, context, threshold):
        return context.has_award(XpReason.PROBLEM_OF_THE_DAY) and context.problems_of_the_day >= threshold

    def qualifying_profile_ids(self, threshold, ids):
        return (
            ids.of(XpEntry.objects.filter(reason=XpReason.PROBLEM_OF_THE_DAY))
            .values("profile_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=threshold)
            .values_list("profile_id", flat=True)
        )


class DailyGoalStreak(Rule):
    kind = "daily_goal_streak"
    label = "Daily goal met N days running"
    threshold_help = "N: consecutive days with the daily goal met."
    history = (XpReason.DAILY_GOAL,)

    def is_met(self, context, threshold):
        return context.has_award(XpReason.DAILY_GOAL) and context.daily_goal_days_running >= threshold

    def qualifying_profile_ids(self, threshold, ids):
        days = ids.of(XpEntry.objects.filter(reason=XpReason.DAILY_GOAL)).order_by("profile_id", "earned_on")
        return _profiles_with_run(days.values_list("profile_id", "earned_on"), threshold)


class Comeback(Rule):
    kind = "comeback"
    label = "Back after N days away"
    threshold_help = "N: days without activity before coming back (frozen days count as away)."

    def is_met(self, context, threshold):
        last = context.stats_before.last_active_on
        return last is not None and (context.event.local_date - last).days - 1 >= threshold

    def qualifying_profile_ids(self, threshold, ids):
        days = ids.of(ActivityDay.objects.filter(is_frozen=False)).order_by("profile_id", "day")
        found, previous = set(), (None, None)
        for profile_id, day in days.values_list("profile_id", "day").iterator(chunk_size=20_000):
            if previous[0] == profile_id and (day - previous[1]).days - 1 >= threshold:
                found.add(profile_id)
            previous = (profile_id, day)
        return found


def _profiles_with_run(rows, threshold):
    """Ids whose (profile_id, day) rows, ordered by profile and day, hold `threshold` days in a row."""
    found, previous, run = set(), (None, None), 0
    for profile_id, day in rows.iterator(chunk_size=20_000):
        if previous[0] != profile_id:
            run = 1
        elif day - previous[1] == timedelta(days=1):
            run += 1
        elif day != previous[1]:
            run = 1
        if run >= threshold:
            found.add(profile_id)
        previous = (profile_id, day)
    return found


# Registry ----------------------------------------------------------------------------------
_RULES = {}


@dataclass(frozen=True)
class IdRange:
    """Profile ids above `after`, up to and including `upto` (None: no upper bound)."""

    after: int = 0
    upto: int | None = None

    def of(self, rows, field="profile_id"):
        """`rows` (a queryset) narrowed to the range on `field`."""
        rows = rows.filter(**{f"{field}__gt": self.after})
        return rows if self.upto is None else rows.filter(**{f"{field}__lte": self.upto})


EVERYONE = IdRange()

_BACKFILL_SOURCES = {}


def register_rule(rule_class):
    """Add a rule kind to the registry (also usable as a class decorator)."""
    _RULES[rule_class.kind] = rule_class()
    return rule_class


for _rule in (
    FirstSolve,
    ProblemsSolved,
    Streak,
    PerfectSession,
    SpeedSolve,
    ProblemsOfTheDay,
    ModulesCompleted,
    DailyGoalStreak,
    Comeback,
    Level,
    TotalXp,
):
    register_rule(_rule)


def rule_get(kind):
    """The registered rule for `kind`, or None for an unknown kind."""
    return _RULES.get(kind)


def rule_choices():
    """(kind, label) pairs for every registered rule, in registration order."""
    return [(kind, rule.label) for kind, rule in _RULES.items()]


def register_backfill_source(kind, source):
    """`source(threshold, ids) -> iterable of profile ids` who qualify for rule `kind` today,
    among those in `ids` (an IdRange: `ids.of(queryset)` narrows a queryset); apps above
    gamification register these for rules whose facts they hold."""
    _BACKFILL_SOURCES[kind] = source
