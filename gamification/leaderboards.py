"""Leaderboards: all time, this week and this month (UTC periods), live and reconciled.

Each award upserts the learner's three `BoardEntry` rows in the award's own transaction
(`leaderboard_record`), so a learner's own rank is fresh at once. A scheduled task
(`leaderboards_refresh`, every minute) reconciles every board with the XP ledger, the source of
truth, and prunes old periods; readers never wait for it and never see a board empty during it.

Ranking is standard competition ranking over public entries: rank = 1 + the number of public
entries strictly better on (xp desc, longest_streak desc, reached_at asc).
"""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import F, Max, Sum, Window
from django.db.models.functions import Rank
from django.utils import timezone

from accounts.models import Profile

from .models import Board, BoardEntry, BoardRefresh, ProfileStats, XpEntry

ALL_TIME_PERIOD = date(2000, 1, 1)
BOARDS = (Board.ALL_TIME, Board.WEEK, Board.MONTH)
REFRESH_ATTEMPTS = 3
WRITE_BATCH = 2000

# Best first; the last key makes the order total so paging is stable. Matches board_entry_rank_idx.
RANK_ORDER = (F("xp").desc(), F("longest_streak").desc(), F("reached_at").asc(), F("profile_id").asc())


@dataclass(frozen=True)
class BoardRow:
    rank: int
    profile_id: int
    display_name: str
    xp: int
    longest_streak: int
    reached_at: datetime
    is_me: bool = False


@dataclass(frozen=True)
class RefreshResult:
    board: str
    period_start: date
    rows: int
    corrected: int
    pruned: int
    seconds: float


def _check_board(board):
    if board not in Board.values:
        raise ValueError(f"Unknown board {board!r}; expected one of {Board.values}.")


def period_start(board, moment):
    """The first day (UTC) of the period of `board` that contains the instant `moment`:
    Monday of the ISO week, the 1st of the month, or ALL_TIME_PERIOD."""
    _check_board(board)
    if board == Board.ALL_TIME:
        return ALL_TIME_PERIOD
    day = moment.astimezone(UTC).date() if timezone.is_aware(moment) else moment.date()
    if board == Board.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _period_bounds(board, start):
    """[from, to) instants of a period; None for an open end."""
    if board == Board.ALL_TIME:
        return None, None
    if board == Board.WEEK:
        end = start + timedelta(days=7)
    else:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    as_instant = lambda d: datetime(d.year, d.month, d.day, tzinfo=UTC)  # noqa: E731
    return as_instant(start), as_instant(end)


def _previous_period(board, start):
    if board == Board.WEEK:
        return start - timedelta(days=7)
    if board == Board.MONTH:
        return (start - timedelta(days=1)).replace(day=1)
    return start


# --- writing ------------------------------------------------------------------------------------


def _upsert_sql():
    table = connection.ops.quote_name(BoardEntry._meta.db_table)
    q = connection.ops.quote_name
    names = ("board", "period_start", "profile_id", "xp", "longest_streak", "reached_at", "is_public")
    columns = ", ".join(q(name) for name in names)
    row = "(%s, %s, %s, %s, %s, %s, %s)"
    # One statement for all three boards, atomic on both SQLite (>= 3.24) and PostgreSQL: the
    # unique key decides insert or update, so no read and no lock on BoardEntry is needed. The
    # ORM's bulk_create(update_conflicts=True) can only copy EXCLUDED values, not add to them.
    return (
        f"INSERT INTO {table} ({columns}) VALUES {row}, {row}, {row} "
        f"ON CONFLICT ({q('board')}, {q('period_start')}, {q('profile_id')}) DO UPDATE SET "
        f"{q('xp')} = {table}.{q('xp')} + %s, "
        f"{q('longest_streak')} = EXCLUDED.{q('longest_streak')}, "
        f"{q('is_public')} = EXCLUDED.{q('is_public')}, "
        # Awards synced late (offline clients) must not move the reach time backwards.
        f"{q('reached_at')} = CASE WHEN EXCLUDED.{q('reached_at')} > {table}.{q('reached_at')} "
        f"THEN EXCLUDED.{q('reached_at')} ELSE {table}.{q('reached_at')} END"
    )


def leaderboard_record(*, stats, gained, occurred_at, is_public):
    """Keep the learner's board entries current after an award; returns None.

    Precondition: called inside the action's transaction, after the learner's `ProfileStats` row
    (locked with select_for_update) was updated, so one learner's awards are serialised on
    PostgreSQL; the upsert itself is atomic, so it is race-safe on SQLite too.

    With XP gained: ONE statement upserts the entries of the three periods containing
    `occurred_at` (xp += gained, or inserted with the period's XP so far; longest streak,
    visibility and reach time refreshed). Without XP: nothing at all (0 queries) unless the
    longest streak or the visibility differ from what the entries last received (kept on the
    stats row as `board_longest_streak`/`board_is_public`); then the learner's existing entries
    are updated, never created, because a learner without XP in a period has no place on it.
    """
    streak = stats.longest_streak
    if gained <= 0:
        if stats.board_longest_streak == streak and stats.board_is_public == is_public:
            return None
        BoardEntry.objects.filter(profile_id=stats.profile_id).exclude(
            longest_streak=streak, is_public=is_public
        ).update(longest_streak=streak, is_public=is_public)
        ProfileStats.objects.filter(pk=stats.pk).update(board_longest_streak=streak, board_is_public=is_public)
        stats.board_longest_streak, stats.board_is_public = streak, is_public
        return None
    field = BoardEntry._meta.get_field
    reached = field("reached_at").get_db_prep_value(occurred_at, connection)
    params = []
    for board in BOARDS:
        start = field("period_start").get_db_prep_value(period_start(board, occurred_at), connection)
        # A missing all-time entry starts from the learner's whole total; a new week or month
        # starts from this award (an entry is only dropped when the period's ledger XP is 0).
        first = max(stats.total_xp, gained) if board == Board.ALL_TIME else gained
        params += [board, start, stats.profile_id, first, streak, reached, is_public]
    params.append(gained)
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), params)
    # Not persisted here (that would cost a statement on the hot path): a stale marker only
    # makes a later XP-less action write once more, never skip a needed write.
    stats.board_longest_streak, stats.board_is_public = streak, is_public
    return None


# --- reading ------------------------------------------------------------------------------------


def _public(board, start):
    return BoardEntry.objects.filter(board=board, period_start=start, is_public=True)


def _count_ahead(board, start, xp, longest_streak, reached_at):
    """Public entries strictly ahead of (xp, longest_streak, reached_at), in one statement.

    Three counts rather than one OR: each is a single range of board_entry_rank_idx, while the
    OR of the three made PostgreSQL filter the whole board (26 ms at 64k entries).
    """
    table = BoardEntry._meta.db_table
    scope = "board = %s AND period_start = %s AND is_public = %s"
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {table} WHERE {scope} AND xp > %s)"
        f" + (SELECT COUNT(*) FROM {table} WHERE {scope} AND xp = %s AND longest_streak > %s)"
        f" + (SELECT COUNT(*) FROM {table} WHERE {scope} AND xp = %s AND longest_streak = %s AND reached_at < %s)"
    )
    ops = connection.ops
    where = [board, ops.adapt_datefield_value(start), True]
    reached = ops.adapt_datetimefield_value(reached_at)
    params = [*where, xp, *where, xp, longest_streak, *where, xp, longest_streak, reached]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _public_total(board, start, public):
    """How many learners are on the board. Cached for LEADERBOARD_TOTAL_SECONDS because counting
    a whole board is the one read here that grows with it, and a total that is seconds old is
    honest enough; the rows and ranks themselves are always live."""
    seconds = settings.LEADERBOARD_TOTAL_SECONDS
    if not seconds:
        return public.count()
    key = f"leaderboard-total:{board}:{start.isoformat()}"
    total = cache.get(key)
    if total is None:
        total = public.count()
        cache.set(key, total, seconds)
    return total


def leaderboard_page(board, *, page=1, per_page=100, now=None, me_profile_id=None):
    """One page of a board's public entries, best first, and the number of public entries.

    Two queries: the page with RANK() computed in the database (pipelined along
    board_entry_rank_idx, so only `page * per_page` index entries are read) and a COUNT.
    Unknown boards raise ValueError; pages past the end are empty.
    """
    _check_board(board)
    start = period_start(board, now or timezone.now())
    page = max(1, int(page))
    offset = (page - 1) * per_page
    public = _public(board, start)
    ranked = (
        public.annotate(rank=Window(Rank(), order_by=list(RANK_ORDER[:3])))
        .order_by(*RANK_ORDER)
        .values_list("rank", "profile_id", "profile__display_name", "xp", "longest_streak", "reached_at")
    )
    rows = [
        BoardRow(rank, profile_id, name, xp, streak, reached, is_me=profile_id == me_profile_id)
        for rank, profile_id, name, xp, streak, reached in ranked[offset : offset + per_page]
    ]
    return rows, _public_total(board, start, public)


def leaderboard_rank(board, profile_id, *, now=None):
    """The learner's own row on a board, ranked among the public entries, or None when they
    have no XP in the period. Learners off public boards still get the rank they would have.
    Two queries: the entry, and a COUNT of strictly better public entries (index range scans).
    """
    _check_board(board)
    start = period_start(board, now or timezone.now())
    entry = (
        BoardEntry.objects.filter(board=board, period_start=start, profile_id=profile_id)
        .values_list("profile__display_name", "xp", "longest_streak", "reached_at")
        .first()
    )
    if entry is None:
        return None
    name, xp, streak, reached = entry
    ahead = _count_ahead(board, start, xp, streak, reached)
    return BoardRow(ahead + 1, profile_id, name, xp, streak, reached, is_me=True)


def board_freshness(board, *, now=None):
    """When the current period of `board` was last reconciled with the ledger, or None."""
    _check_board(board)
    start = period_start(board, now or timezone.now())
    return BoardRefresh.objects.filter(board=board, period_start=start).values_list("refreshed_at", flat=True).first()


# --- the ledger's view and reconciliation ---------------------------------------------------------


def _ledger_totals(board, start):
    """{profile_id: (xp, reached_at)} for one period, straight from the XP ledger."""
    entries = XpEntry.objects.all()
    since, until = _period_bounds(board, start)
    if since is not None:
        entries = entries.filter(created_at__gte=since, created_at__lt=until)
    totals = entries.values("profile_id").annotate(xp=Sum("amount"), reached_at=Max("created_at")).order_by()
    rows = totals.values_list("profile_id", "xp", "reached_at")
    return {profile_id: (xp, reached) for profile_id, xp, reached in rows}


def _standing():
    """{profile_id: (longest_streak, is_public)} for every learner with a stats row."""
    rows = ProfileStats.objects.values_list("profile_id", "longest_streak", "profile__show_on_leaderboards")
    return {profile_id: (streak, bool(public)) for profile_id, streak, public in rows.iterator(chunk_size=20_000)}


def _expected(board, start):
    """{profile_id: (xp, longest_streak, reached_at, is_public)} as the ledger says."""
    standing = _standing()
    totals = _ledger_totals(board, start)
    missing = [profile_id for profile_id in totals if profile_id not in standing]
    if missing:
        # Ledger rows without a stats row (only after a manual repair): visibility from the profile.
        flags = Profile.objects.filter(pk__in=missing).values_list("pk", "show_on_leaderboards")
        standing.update({profile_id: (0, bool(public)) for profile_id, public in flags})
    expected = {}
    for profile_id, (xp, reached) in totals.items():
        streak, public = standing.get(profile_id, (0, False))
        expected[profile_id] = (xp, streak, reached, public)
    return expected


def _ranked(items):
    """Competition ranks for (profile_id, xp, longest_streak, reached_at) tuples."""
    items = sorted(items, key=lambda r: (-r[1], -r[2], r[3], r[0]))
    ranked, previous, rank = [], None, 0
    for position, (profile_id, xp, streak, reached) in enumerate(items, start=1):
        key = (xp, streak, reached)
        if key != previous:
            rank, previous = position, key
        ranked.append((profile_id, xp, rank))
    return ranked


def leaderboard_from_ledger(board, *, now=None):
    """[(profile_id, xp, rank)] of the public learners on a board's current period, best first,
    computed from the XP ledger, stats (longest streak) and profiles (visibility) only; for
    verifying that the kept boards are right."""
    _check_board(board)
    start = period_start(board, now or timezone.now())
    expected = _expected(board, start)
    return _ranked(
        (profile_id, xp, streak, reached) for profile_id, (xp, streak, reached, public) in expected.items() if public
    )


def _serializable(connection_):
    """Run the rest of this transaction on one snapshot (PostgreSQL): the ledger and the entries
    are read consistently, and a correction to an entry that a live award changed after the
    snapshot fails with a serialization error instead of overwriting the newer value."""
    # Only as the outermost transaction (PostgreSQL refuses it after the first query; inside a
    # test's transaction it is skipped).
    if connection_.vendor == "postgresql" and len(connection_.atomic_blocks) == 1:
        with connection_.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _refresh_board(board, start, now):
    with transaction.atomic(durable=True):
        _serializable(connection)
        began = time.monotonic()
        expected = _expected(board, start)
        current = {
            profile_id: (xp, streak, reached, public)
            for profile_id, xp, streak, reached, public in BoardEntry.objects.filter(board=board, period_start=start)
            .values_list("profile_id", "xp", "longest_streak", "reached_at", "is_public")
            .iterator(chunk_size=20_000)
        }
        fixes = [
            BoardEntry(
                board=board,
                period_start=start,
                profile_id=profile_id,
                xp=xp,
                longest_streak=streak,
                reached_at=reached,
                is_public=public,
            )
            for profile_id, (xp, streak, reached, public) in expected.items()
            if current.get(profile_id) != (xp, streak, reached, public)
        ]
        stale = [profile_id for profile_id in current if profile_id not in expected]
        for batch in range(0, len(fixes), WRITE_BATCH):
            BoardEntry.objects.bulk_create(
                fixes[batch : batch + WRITE_BATCH],
                update_conflicts=True,
                unique_fields=["board", "period_start", "profile"],
                update_fields=["xp", "longest_streak", "reached_at", "is_public"],
            )
        for batch in range(0, len(stale), WRITE_BATCH):
            BoardEntry.objects.filter(
                board=board, period_start=start, profile_id__in=stale[batch : batch + WRITE_BATCH]
            ).delete()
        pruned = 0
        if board != Board.ALL_TIME:
            # Keep the current and the previous period; older ones are history nobody reads.
            keep_from = _previous_period(board, start)
            pruned, _ = BoardEntry.objects.filter(board=board, period_start__lt=keep_from).delete()
            BoardRefresh.objects.filter(board=board, period_start__lt=keep_from).delete()
        seconds = time.monotonic() - began
        BoardRefresh.objects.update_or_create(
            board=board,
            period_start=start,
            defaults={
                "refreshed_at": now,
                "rows": len(expected),
                "corrected": len(fixes) + len(stale),
                "seconds": seconds,
            },
        )
    return RefreshResult(board, start, len(expected), len(fixes) + len(stale), pruned, seconds)


def leaderboards_refresh(*, now=None):
    """Reconcile the current period of every board with the XP ledger; returns a RefreshResult
    per board.

    Set-based: per board one aggregate over the ledger, one read of the entries, and batched
    upserts/deletes of only the entries that differ (missing, drifted XP, streak, reach time or
    visibility, or no XP in the period any more); entries of periods before the previous one
    are pruned. Live awards keep writing meanwhile; on PostgreSQL a board whose correction
    collides with one is retried on a new snapshot. Idempotent: a second run corrects nothing.
    """
    now = now or timezone.now()
    results = []
    for board in BOARDS:
        start = period_start(board, now)
        for attempt in range(1, REFRESH_ATTEMPTS + 1):
            try:
                result = _refresh_board(board, start, now)
            except OperationalError:
                # A live award changed an entry this refresh meant to correct (or SQLite was busy);
                # the next attempt reads a newer snapshot.
                if attempt == REFRESH_ATTEMPTS:
                    raise
                continue
            results.append(result)
            break
    return results
