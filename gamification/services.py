"""Crediting XP and keeping the cached stats and streak true, in the caller's transaction.

Learning calls `activity_record` with a small `ActivityEvent` describing what happened; this
app never imports learning.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from accounts.rows import WriteBatch, fetch_one, instance_from, rows_insert
from accounts.rows import columns as row_columns
from accounts.streams import by_profile

from .achievement_rules import history_window
from .achievements import achievement_history_wanted, achievement_rows, achievements_evaluate
from .badges import BADGES_CACHE_KEY, badge_for, badges_all, badges_forget  # noqa: F401 (re-exported)
from .celebrations import celebrations_record
from .leaderboards import leaderboard_record
from .levels import level_for_xp
from .models import MAX_STREAK_FREEZES, ActivityDay, Badge, ProfileStats, XpEntry, XpReason

FREEZE_EVERY_DAYS = 7


@dataclass(frozen=True)
class XpAward:
    amount: int
    reason: str
    source: str
    may_repeat: bool = False  # the caller may send the same source again (e.g. a daily goal)


@dataclass(frozen=True)
class ActivityEvent:
    """What a learner just did. `local_date` is their own calendar date at `occurred_at`."""

    profile_id: int
    occurred_at: datetime
    local_date: date
    awards: tuple = ()
    is_public: bool = True  # whether the learner appears on public leaderboards
    # Facts some achievement rules need; None when this action says nothing about them.
    first_solve_seconds: int | None = None  # seconds taken, when this action was a first solve
    session_questions: int | None = None  # when this action completed a practice session
    session_correct: int | None = None
    modules_completed: int | None = None  # modules the learner has completed, sent with first solves


@dataclass(frozen=True)
class ActivityOutcome:
    xp_gained: int
    total_xp: int
    level_before: int
    level_after: int
    badge_before: Badge | None
    badge_after: Badge | None
    current_streak: int
    earned_freeze: bool
    frozen_days: tuple = ()
    achievements: tuple = ()  # EarnedAchievement rows earned by this action

    @property
    def levelled_up(self):
        return self.level_after > self.level_before

    @property
    def new_badge(self):
        return self.badge_after if self.badge_after and self.badge_after != self.badge_before else None


@dataclass(frozen=True)
class StreakState:
    current: int = 0
    longest: int = 0
    last_active_on: date | None = None
    freezes: int = 0
    frozen_days: tuple = field(default=(), compare=False)


def streak_advance(state, day):
    """The streak after activity on local `day`, in constant time.

    A day already counted (or earlier: a time-zone change never creates a day retroactively)
    changes nothing. Missed days are covered by held freezes when there are enough, which
    keeps the streak alive without lengthening it; otherwise the streak restarts at 1. Every
    seventh day of a streak earns a freeze, up to MAX_STREAK_FREEZES held.
    """
    if state.last_active_on is not None and day <= state.last_active_on:
        return replace(state, frozen_days=())
    freezes, frozen = state.freezes, ()
    if state.last_active_on is None:
        current = 1
    else:
        missed = (day - state.last_active_on).days - 1
        if missed == 0:
            current = state.current + 1
        elif missed <= freezes:
            freezes -= missed
            frozen = tuple(state.last_active_on + timedelta(days=n) for n in range(1, missed + 1))
            current = state.current + 1
        else:
            current = 1
    if current % FREEZE_EVERY_DAYS == 0 and freezes < MAX_STREAK_FREEZES:
        freezes += 1
    return StreakState(
        current=current,
        longest=max(state.longest, current),
        last_active_on=day,
        freezes=freezes,
        frozen_days=frozen,
    )


def streak_as_of(stats, today):
    """The streak to show on `today`: 0 once it has lapsed beyond what the held freezes cover.
    Computed at read time, so no nightly job is needed."""
    if stats is None or stats.last_active_on is None:
        return 0
    missed = (today - stats.last_active_on).days - 1
    return stats.current_streak if missed <= stats.streak_freezes else 0


# What `stats_derive` recomputes from the ledger and the activity days.
STATS_DERIVED_FIELDS = [
    "total_xp",
    "level",
    "problems_solved",
    "current_streak",
    "longest_streak",
    "last_active_on",
    "streak_freezes",
    "badge",
]
# Every column an action can change, saved in its one UPDATE of the stats row: the derived ones
# and the bookkeeping (when XP last grew, what the board entries last received).
STATS_FIELDS = [*STATS_DERIVED_FIELDS, "xp_reached_at", "board_longest_streak", "board_is_public", "updated_at"]


def _stored(stats):
    """The values of STATS_FIELDS a save would write, to tell whether it is needed."""
    return [getattr(stats, stats._meta.get_field(name).attname) for name in STATS_FIELDS if name != "updated_at"]


def _locked_stats(profile_id):
    """The learner's stats row, created if missing, locked for this transaction. Stats are
    locked before anything else a learner action touches in this app, always in that order.

    One statement when the row exists; otherwise an INSERT that ignores a conflict and the
    locking SELECT again, with no savepoint: a concurrent first action that inserted the row
    first wins, and this one then queues on its lock."""
    sql = _stats_lock_sql(connection.vendor)
    row = fetch_one(sql, [profile_id])
    if row is None:
        rows_insert([ProfileStats(profile_id=profile_id)], ignore_conflicts=True)
        row = fetch_one(sql, [profile_id])
    return instance_from(ProfileStats, row)


@lru_cache(maxsize=4)
def _stats_lock_sql(vendor):
    # Precompiled (accounts.rows): this is the first statement of every learner action.
    table = connection.ops.quote_name(ProfileStats._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return f"SELECT {row_columns(ProfileStats, 's')} FROM {table} s WHERE s.profile_id = %s{lock}"


def _ledger_lookup(event, *, repeatable, history_reasons):
    """One ledger read for an action, after the stats lock (so it sees every earlier action of
    the learner): which `repeatable` sources are already credited, and the learner's days of
    each reason in `history_reasons` within the achievements' history window, newest first.
    No query when neither is needed."""
    if not repeatable and not history_reasons:
        return set(), {}
    first, last = history_window(event.local_date)
    lookup = Q()
    if repeatable:
        lookup |= Q(source__in=repeatable)
    if history_reasons:
        lookup |= Q(reason__in=history_reasons, earned_on__range=(first, last))
    rows = XpEntry.objects.filter(lookup, profile_id=event.profile_id).values_list("source", "reason", "earned_on")
    credited, history = set(), {reason: [] for reason in history_reasons}
    for source, reason, earned_on in rows:
        if source in repeatable:
            credited.add(source)
        if reason in history and first <= earned_on <= last:
            history[reason].append(earned_on)
    return credited, {reason: sorted(days, reverse=True) for reason, days in history.items()}


def activity_record(*, event):
    """Credit `event`'s awards once each and advance the streak; returns an ActivityOutcome.

    Precondition: the caller is inside the user action's transaction (so the awards commit
    with the action or not at all). An award whose source was already credited is ignored;
    the ledger's unique (profile, source) key backs that up.

    Everything is decided on the locked stats row in memory first (awards, streak, the
    achievements this earns and their rewards, the board markers), then written: the earned
    achievements when there are some (their ids go on to the outcome), then in ONE statement on
    PostgreSQL (accounts.rows.WriteBatch) every XP entry, the activity day, the boards, the one
    UPDATE of the stats row and the celebrations, each only when there is something to write.
    """
    assert transaction.get_connection().in_atomic_block, "activity_record needs the caller's transaction"
    stats = _locked_stats(event.profile_id)
    awards = {award.source: award for award in event.awards if award.amount > 0}
    # Most awards are unique by construction (a first solve is decided under the progress lock,
    # a day's problem-of-the-day completion by its own unique row), so only awards the caller
    # marks as possibly repeated cost a look-up; the ledger's unique key backs up the rest. The
    # same read brings the recent days an achievement rule wants (a daily goal's run).
    repeatable = {source for source, award in awards.items() if award.may_repeat}
    history_reasons = achievement_history_wanted(
        profile_id=event.profile_id, reasons={award.reason for award in awards.values()}
    )
    credited, history = _ledger_lookup(event, repeatable=repeatable, history_reasons=history_reasons)
    new = [award for source, award in awards.items() if source not in credited]
    gained = sum(award.amount for award in new)
    solved = sum(1 for award in new if award.reason == XpReason.FIRST_SOLVE)

    before = StreakState(stats.current_streak, stats.longest_streak, stats.last_active_on, stats.streak_freezes)
    after = streak_advance(before, event.local_date)
    saved = _stored(stats)

    # The badge from the cached list, not `stats.badge` (a query on the submit path).
    badges = badges_all()
    badge_before = next((badge for badge in badges if badge.pk == stats.badge_id), None)
    if badge_before is not None:
        stats.badge = badge_before
    else:
        badge_before = stats.badge
    level_before, total_before, solved_before = stats.level, stats.total_xp, stats.problems_solved
    stats.total_xp += gained
    stats.problems_solved += solved
    stats.level = level_for_xp(stats.total_xp)
    stats.current_streak, stats.longest_streak = after.current, after.longest
    stats.last_active_on, stats.streak_freezes = after.last_active_on, after.freezes
    if gained:
        stats.xp_reached_at = event.occurred_at
    # Every action, not only those that earn XP: a new learner's first (wrong) answer already
    # holds Beginner, and a badge staff have just re-ranked is caught up with.
    stats.badge = badge_for(badges, stats.total_xp, stats.problems_solved)
    achievements = achievements_evaluate(
        stats=stats,
        event=event,
        stats_before=before,
        credited=new,
        xp_before=total_before,
        solved_before=solved_before,
        history=history,
    )

    earned_rows, rewards = achievement_rows(
        profile_id=event.profile_id, achievements=achievements, earned_at=event.occurred_at, earned_on=event.local_date
    )
    entries = [
        XpEntry(
            profile_id=event.profile_id,
            amount=award.amount,
            reason=award.reason,
            source=award.source,
            earned_on=event.local_date,
            created_at=event.occurred_at,
        )
        for award in new
    ]
    # The writes below depend on none of one another: on PostgreSQL they leave as one statement.
    writes = WriteBatch()
    writes.insert([*entries, *rewards])
    if after.last_active_on != before.last_active_on:
        days = [ActivityDay(profile_id=event.profile_id, day=d, is_frozen=True) for d in after.frozen_days]
        days.append(ActivityDay(profile_id=event.profile_id, day=after.last_active_on))
        writes.insert(days, ignore_conflicts=True)
    earned = rows_insert(earned_rows)  # on its own: the outcome hands these rows on, with their ids
    # Sets the board markers on `stats` (it saves nothing of `stats` itself), so they go out
    # with the one UPDATE below.
    leaderboard_record(
        stats=stats,
        gained=stats.total_xp - total_before,
        occurred_at=event.occurred_at,
        is_public=event.is_public,
        batch=writes,
    )
    if _stored(stats) != saved:  # an answer that changes nothing (no XP, same day) writes nothing
        writes.update(stats, STATS_FIELDS)
    outcome = ActivityOutcome(
        xp_gained=gained,
        total_xp=stats.total_xp,
        level_before=level_before,
        level_after=stats.level,
        badge_before=badge_before,
        badge_after=stats.badge,
        current_streak=after.current,
        earned_freeze=after.freezes > before.freezes,
        frozen_days=after.frozen_days,
        achievements=tuple(earned),
    )
    celebrations_record(profile_id=event.profile_id, outcome=outcome, earned=earned, batch=writes)
    writes.run()
    return outcome


def leaderboard_visibility_follow(*, profile_id, is_public):
    """Show or hide the learner's board entries at once after their visibility changed
    (registered with accounts as a visibility listener; runs in the change's transaction).
    Takes the stats lock like any learner action; a learner with no stats has no entries."""
    stats = ProfileStats.objects.select_for_update(of=("self",)).filter(profile_id=profile_id).first()
    if stats is None:
        return
    leaderboard_record(stats=stats, gained=0, occurred_at=stats.updated_at, is_public=is_public)
    stats.save(update_fields=["board_longest_streak", "board_is_public", "updated_at"])


@dataclass(frozen=True)
class StatsDrift:
    profile_id: int
    field: str
    cached: object
    derived: object


def stats_derive(profile_id, *, badges=None):
    """Every cached figure of one learner recomputed from the ledger and the activity days."""
    totals = XpEntry.objects.filter(profile_id=profile_id).aggregate(
        xp=Sum("amount"), solved=Count("pk", filter=Q(reason=XpReason.FIRST_SOLVE))
    )
    xp, solved = totals["xp"] or 0, totals["solved"]
    state = StreakState()
    for day in (
        ActivityDay.objects.filter(profile_id=profile_id, is_frozen=False).order_by("day").values_list("day", flat=True)
    ):
        state = streak_advance(state, day)
    badges = badges_all() if badges is None else badges
    badge = badge_for(badges, xp, solved)
    return {
        "total_xp": xp,
        "level": level_for_xp(xp),
        "problems_solved": solved,
        "current_streak": state.current,
        "longest_streak": state.longest,
        "last_active_on": state.last_active_on,
        "streak_freezes": state.freezes,
        "badge_id": badge.pk if badge else None,
    }


def stats_check(profile_id, *, fix=False, badges=None):
    """Compare one learner's cached stats with what the facts say; with `fix`, repair them.
    Returns the list of StatsDrift found (before any repair)."""
    derived = stats_derive(profile_id, badges=badges)
    stats = ProfileStats.objects.filter(profile_id=profile_id).first()
    cached = {name: getattr(stats, name) for name in derived} if stats else None
    if cached is None:
        has_facts = derived["total_xp"] or derived["last_active_on"]
        drift = [StatsDrift(profile_id, "stats row", None, "missing")] if has_facts else []
    else:
        drift = [
            StatsDrift(profile_id, name, cached[name], value)
            for name, value in derived.items()
            if cached[name] != value
        ]
    if fix and drift:
        stats_repair(profile_id)
    return drift


def stats_repair(profile_id):
    """Rewrite one learner's cached stats from the facts, under the stats lock that every
    learner action takes first: the facts are read again inside it, so an award committed
    since the drift was found is counted, never overwritten."""
    with transaction.atomic():
        stats = _locked_stats(profile_id)
        for name, value in stats_derive(profile_id).items():
            setattr(stats, name, value)
        stats.save(update_fields=[*STATS_DERIVED_FIELDS, "updated_at"])


def stats_for(profile):
    """The learner's stats, or an unsaved all-zero row for someone who has done nothing yet."""
    return ProfileStats.objects.select_related("badge").filter(profile=profile).first() or ProfileStats(profile=profile)


def stats_check_all(*, fix=False, progress=None):
    """Every learner's cached stats against the ledger and activity days, set-wise: three
    streams ordered by learner (ledger totals, activity days, stats rows), merged one learner at
    a time (accounts.streams), so memory does not grow with the number of learners.

    Returns the list of StatsDrift found; with `fix`, the drifted rows are rewritten from the
    facts. `progress(done, total)` is called as learners are checked (`total` counts the stats
    rows; learners with facts but no stats row come on top).
    """
    ledger = (
        XpEntry.objects.values_list("profile_id")
        .annotate(xp=Sum("amount"), solved=Count("pk", filter=Q(reason=XpReason.FIRST_SOLVE)))
        .order_by("profile_id")
    )
    days = ActivityDay.objects.filter(is_frozen=False).order_by("profile_id", "day").values_list("profile_id", "day")
    fields = ["total_xp", "level", "problems_solved", "current_streak", "longest_streak", "last_active_on"]
    fields += ["streak_freezes", "badge_id"]
    cached = ProfileStats.objects.order_by("profile_id").values_list("profile_id", *fields)
    total = ProfileStats.objects.count()
    badges = badges_all()
    drift = []
    streams = (stream.iterator(chunk_size=20_000) for stream in (ledger, days, cached))
    done = 0
    for done, (profile_id, totals, learner_days, row) in enumerate(by_profile(*streams), start=1):
        xp, solved = (totals[0][1], totals[0][2]) if totals else (0, 0)
        state = StreakState()
        for _, day in learner_days:
            state = streak_advance(state, day)
        badge = badge_for(badges, xp, solved)
        derived = {
            "total_xp": xp,
            "level": level_for_xp(xp),
            "problems_solved": solved,
            "current_streak": state.current,
            "longest_streak": state.longest,
            "last_active_on": state.last_active_on,
            "streak_freezes": state.freezes,
            "badge_id": badge.pk if badge else None,
        }
        if not row:
            found = [StatsDrift(profile_id, "stats row", None, "missing")]
        else:
            stored = dict(zip(fields, row[0][1:], strict=True))
            found = [StatsDrift(profile_id, f, stored[f], v) for f, v in derived.items() if stored[f] != v]
        drift.extend(found)
        if fix and found:
            stats_repair(profile_id)
        if progress and done % 1000 == 0:
            progress(done, max(total, done))
    if progress:
        progress(max(total, done), max(total, done))
    return drift
