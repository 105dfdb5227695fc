"""Awarding achievements: the cached definitions, evaluation inside learner actions, and the
admin's backfill. The rule kinds themselves live in `achievement_rules`.

Staff define achievements in the admin: a rule kind from that registry, a threshold, an XP
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
"""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.memo import ProcessMemo
from accounts.models import Profile

from .achievement_rules import AchievementContext, IdRange, rule_get
from .badges import badge_for, badges_all
from .celebrations import celebrations_for_change
from .leaderboards import leaderboard_record
from .levels import level_for_xp
from .models import Achievement, EarnedAchievement, ProfileStats, XpEntry, XpReason

ACTIVE_CACHE_KEY = "gamification:achievements:active"
EARNED_CACHE_KEY = "gamification:achievements:earned:{}"
EARNED_CACHE_SECONDS = 24 * 3600


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
    return any(
        a.pk not in known and (rule := rule_get(a.rule)) is not None and fact in rule.facts
        for a in achievements_active()
    )


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
        rule = rule_get(achievement.rule)
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
    definitions = [a for a in achievements_active() if rule_get(a.rule) is not None]
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
        candidates = [a for a in definitions if a.pk not in skip and rule_get(a.rule).is_met(context, a.threshold)]
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
    rule = rule_get(achievement.rule)
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
