"""Achievement rules (a registry of pluggable kinds) and awarding them.

Staff define achievements in the admin: a rule kind from this registry, a threshold, an XP
reward. `achievements_evaluate` runs inside every learner action (called by `activity_record`
under the learner's stats lock), so an achievement is earned in the transaction of the action
that makes it true, at most once (unique constraint on EarnedAchievement).

Cost on the hot path: the active definitions and each learner's earned ids are cached, and
counter rules only fire when this action moved the counter across the threshold, so an action
that earns nothing new costs no query. Rules whose facts live in the ledger read them only when
the event is about them (a problem of the day, a daily goal); the recent days of a reason
(`Rule.history`) come with `activity_record`'s one ledger look-up. Evaluation writes nothing:
it decides on the action's new stats in memory, so the action writes every XP entry (awards
and rewards) in one INSERT and the stats row in one UPDATE.

This app never imports learning: facts about practice sessions, solve times and modules arrive
on the ActivityEvent, and for backfills through `register_backfill_source`, which learning
calls from its AppConfig.ready().
"""

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.memo import ProcessMemo
from accounts.models import Profile

from .badges import badge_for, badges_all
from .celebrations import celebrations_for_change
from .leaderboards import leaderboard_record
from .levels import level_for_xp
from .models import Achievement, ActivityDay, EarnedAchievement, ProfileStats, XpEntry, XpReason

ACTIVE_CACHE_KEY = "gamification:achievements:active"
EARNED_CACHE_KEY = "gamification:achievements:earned:{}"
EARNED_CACHE_SECONDS = 24 * 3600


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


# Caches ------------------------------------------------------------------------------------
# In front of the shared cache: a learner action reads the definitions several times.
_active_memo = ProcessMemo(seconds=5)


def achievements_active():
    """The active definitions, cached; the admin's saves and deletes forget them (signals).
    The list is shared: read it, never change its definitions."""
    return _active_memo.get(ACTIVE_CACHE_KEY, _active_load)


def _active_load():
    definitions = cache.get(ACTIVE_CACHE_KEY)
    if definitions is None:
        definitions = list(Achievement.objects.filter(is_active=True))
        cache.set(ACTIVE_CACHE_KEY, definitions, timeout=600)
    return definitions


def achievements_forget(**kwargs):
    cache.delete(ACTIVE_CACHE_KEY)
    _active_memo.forget()


def earned_forget(*, profile_ids):
    cache.delete_many([EARNED_CACHE_KEY.format(pk) for pk in profile_ids])


def earned_forget_row(*, instance, **kwargs):
    """Signal receiver: an EarnedAchievement row was deleted (admin, cascade)."""
    earned_forget(profile_ids=[instance.profile_id])


def _earned_remember_on_commit(profile_id, achievement_ids):
    # Written only after commit, so a rolled-back award is never remembered as earned. A cached
    # set can only lack ids (then the database is asked), never claim one that was not earned,
    # except after a delete, which forgets the entry (signal).
    ids = frozenset(achievement_ids)
    transaction.on_commit(lambda: cache.set(EARNED_CACHE_KEY.format(profile_id), ids, EARNED_CACHE_SECONDS))


def achievement_fact_wanted(fact, *, profile_id):
    """Whether an active achievement the learner may not have earned yet reads `fact` from the
    ActivityEvent, so the caller should compute it. Costs no query beyond the cached
    definitions (which the action loads anyway); a cold earned cache answers "wanted"."""
    known = cache.get(EARNED_CACHE_KEY.format(profile_id)) or frozenset()
    return any(a.pk not in known and a.rule in _RULES and fact in _RULES[a.rule].facts for a in achievements_active())


def achievement_history_wanted(*, profile_id, reasons):
    """The XP reasons among `reasons` (those of the action's awards) whose recent ledger days an
    active achievement the learner may not have earned yet reads (`Rule.history`), so that
    `activity_record` reads them with its ledger look-up. No query beyond the cached
    definitions; a cold earned cache answers "wanted"."""
    if not reasons:
        return set()
    known = cache.get(EARNED_CACHE_KEY.format(profile_id)) or frozenset()
    wanted = set()
    for achievement in achievements_active():
        rule = _RULES.get(achievement.rule)
        if rule is not None and achievement.pk not in known:
            wanted.update(reason for reason in rule.history if reason in reasons)
    return wanted


# Evaluation and awarding -------------------------------------------------------------------
def achievements_evaluate(*, stats, event, stats_before, credited, xp_before, solved_before, history=None):
    """Decide which active achievements this action earns; returns their definitions.

    Precondition: called by `activity_record` inside the action's transaction, holding the lock
    on `stats`, which already holds the action's new values in memory (see AchievementContext).
    Writes nothing: the XP rewards of what is earned are added to `stats` in memory (total XP,
    level, badge, reach time), and the caller writes the rows `achievement_rows` describes and
    saves `stats`, in the same transaction. Each achievement is earned at most once per learner
    (the lock makes the earned check exact; the unique constraint backs it up). A reward can
    lift the level or total XP over another threshold, so evaluation repeats until nothing new
    is earned. Costs at most the earned ids and the ledger facts the event's rules need.
    """
    definitions = [a for a in achievements_active() if a.rule in _RULES]
    if not definitions:
        return []
    context = AchievementContext(
        stats=stats,
        stats_before=stats_before,
        event=event,
        credited=credited,
        xp_before=xp_before,
        solved_before=solved_before,
        history=history,
    )
    known = cache.get(EARNED_CACHE_KEY.format(stats.profile_id)) or frozenset()
    earned_ids = None  # every earned id from the database, once a candidate needs it
    new = []
    while True:
        skip = known if earned_ids is None else earned_ids
        candidates = [a for a in definitions if a.pk not in skip and _RULES[a.rule].is_met(context, a.threshold)]
        if candidates and earned_ids is None:
            earned_ids = set(
                EarnedAchievement.objects.filter(profile_id=stats.profile_id).values_list("achievement_id", flat=True)
            )
            candidates = [a for a in candidates if a.pk not in earned_ids]
        if not candidates:
            break
        _reward(stats, candidates, earned_at=event.occurred_at)
        new += candidates
        earned_ids.update(a.pk for a in candidates)
    if earned_ids is not None:
        _earned_remember_on_commit(stats.profile_id, earned_ids)
    return new


def _reward(stats, achievements, *, earned_at):
    """Add the XP rewards of `achievements` to `stats` in memory (total, level, badge, reach time)."""
    reward = sum(a.xp_reward for a in achievements if a.xp_reward > 0)
    if reward:
        stats.total_xp += reward
        stats.level = level_for_xp(stats.total_xp)
        stats.badge = badge_for(badges_all(), stats.total_xp, stats.problems_solved)
        stats.xp_reached_at = earned_at


def achievement_source(achievement):
    """The XP ledger source of an achievement's reward. Keyed by the definition's id, like the
    earned row: a slug can be renamed and taken again by a new definition, an id cannot."""
    return f"achievement:{achievement.pk}"


def achievement_rows(*, profile_id, achievements, earned_at, earned_on):
    """The unsaved rows that record `achievements` as earned: (EarnedAchievement rows, with
    `achievement` set; XpEntry rows of their XP rewards). The caller inserts them."""
    earned = [EarnedAchievement(profile_id=profile_id, achievement=a, earned_at=earned_at) for a in achievements]
    rewards = [
        XpEntry(
            profile_id=profile_id,
            amount=a.xp_reward,
            reason=XpReason.ACHIEVEMENT,
            source=achievement_source(a),
            earned_on=earned_on,
            created_at=earned_at,
        )
        for a in achievements
        if a.xp_reward > 0
    ]
    return earned, rewards


def achievement_grant(*, stats, achievements, earned_at, earned_on, is_public):
    """Record `achievements` as earned by the learner of `stats` and credit their XP rewards.

    Precondition: inside a transaction, holding the lock on `stats`, having checked that none
    of them is earned yet. Updates total XP, level, badge and xp_reached_at on `stats`, the
    learner's board entries (`is_public`: whether they are on public boards), and saves them.
    Returns the new EarnedAchievement rows (with `achievement` set). Learner actions do not
    come here (`activity_record` writes its rows together with the action's own).
    """
    assert transaction.get_connection().in_atomic_block, "achievement_grant needs the caller's transaction"
    earned, rewards = achievement_rows(
        profile_id=stats.profile_id, achievements=achievements, earned_at=earned_at, earned_on=earned_on
    )
    rows = EarnedAchievement.objects.bulk_create(earned)
    if rewards:
        XpEntry.objects.bulk_create(rewards)
        total_before = stats.total_xp
        _reward(stats, achievements, earned_at=earned_at)
        # Rewards count on the boards at once, like any other XP.
        leaderboard_record(
            stats=stats, gained=stats.total_xp - total_before, occurred_at=earned_at, is_public=is_public
        )
        fields = ["total_xp", "level", "badge", "xp_reached_at", "board_longest_streak", "board_is_public"]
        stats.save(update_fields=[*fields, "updated_at"])
    return rows


def achievement_backfill(achievement, *, now=None):
    """Award `achievement` to everyone who already qualifies and has not earned it; returns
    how many learners were awarded. All in one go (see `achievement_backfill_part`)."""
    awarded, after = 0, 0
    while after is not None:
        part, after = achievement_backfill_part(achievement, after_profile_id=after, now=now)
        awarded += part
    return awarded


BACKFILL_WINDOW = 5_000  # profile ids whose facts one qualifying query reads


def achievement_backfill_part(achievement, *, after_profile_id=0, deadline=None, now=None, window=BACKFILL_WINDOW):
    """Award `achievement` to the qualifying learners whose profile id is above
    `after_profile_id`, in id order, until `deadline` (a time.monotonic() value) passes.
    Returns (learners awarded, the id to resume after when it stopped early, else None). Every
    part gets past at least one learner or one window of `window` profile ids, so a chain of
    parts always moves on.

    Who qualifies is asked window by window (`Rule.qualifying_profile_ids` over an IdRange), so
    a part reads only the facts of the learners it reaches, however many parts came before.
    Each learner is awarded in a transaction of their own, holding their stats lock like a
    learner action does, so it is safe against concurrent activity and idempotent: running it
    again awards nobody twice. An inactive achievement or an unknown rule awards nobody.
    """
    rule = _RULES.get(achievement.rule)
    if rule is None or not achievement.is_active:
        return 0, None
    now = now or timezone.now()
    last_id = Profile.objects.aggregate(last=Max("pk"))["last"] or 0
    awarded = handled = 0
    after = after_profile_id
    while after < last_id:
        if deadline is not None and after > after_profile_id and time.monotonic() > deadline:
            return awarded, after
        ids = IdRange(after, after + window)
        qualifying = set(rule.qualifying_profile_ids(achievement.threshold, ids))
        qualifying -= set(ids.of(achievement.earned.all()).values_list("profile_id", flat=True))
        for profile_id in sorted(qualifying):
            if deadline is not None and handled and time.monotonic() > deadline:
                return awarded, profile_id - 1
            handled += 1
            awarded += _backfill_award(achievement, profile_id, now)
        after = ids.upto
    return awarded, None


def _backfill_award(achievement, profile_id, now):
    """Award `achievement` to one learner in a transaction of their own; 1 if awarded, else 0."""
    with transaction.atomic(durable=True):
        stats, _ = ProfileStats.objects.select_for_update(of=("self",)).get_or_create(profile_id=profile_id)
        if EarnedAchievement.objects.filter(profile_id=profile_id, achievement=achievement).exists():
            return 0
        profile = Profile.objects.only("time_zone", "show_on_leaderboards").get(pk=profile_id)
        level_before, badge_before = stats.level, stats.badge
        rows = achievement_grant(
            stats=stats,
            achievements=[achievement],
            earned_at=now,
            earned_on=profile.local_today(now),
            is_public=profile.show_on_leaderboards,
        )
        celebrations_for_change(
            profile_id=profile_id,
            level_before=level_before,
            level_after=stats.level,
            badge_before=badge_before,
            badge_after=stats.badge,
            earned=rows,
        )
        transaction.on_commit(lambda: earned_forget(profile_ids=[profile_id]))
    return 1
