"""Reconciling the leaderboards with the XP ledger, and the ledger's own view of a board.

The boards are written live with every award (`leaderboards.leaderboard_record`); this is the
safety net the scheduled task (`tasks.refresh_leaderboards`, every minute) runs: it repairs any
drift from the ledger, the source of truth, and prunes periods nobody reads any more. Readers
never wait for it and never see a board empty during it. `leaderboard_from_ledger` is the
ranking computed from the ledger alone, which tests and the benchmark hold the boards to.
"""

import time
from dataclasses import dataclass
from datetime import date

from django.db import OperationalError, connection, transaction
from django.db.models import Max, Sum
from django.utils import timezone

from accounts.models import Profile

from .leaderboards import BOARDS, SCORE_SHIFTS, check_board, period_bounds, period_start, previous_period
from .models import Board, BoardEntry, BoardRefresh, BoardScoreCount, ProfileStats, XpEntry

REFRESH_ATTEMPTS = 3


@dataclass(frozen=True)
class RefreshResult:
    board: str
    period_start: date
    rows: int
    corrected: int
    pruned: int
    seconds: float


def _q(name):
    return connection.ops.quote_name(name)


def _ledger_totals(board, start):
    """{profile_id: (xp, reached_at)} for one period, straight from the XP ledger."""
    entries = XpEntry.objects.all()
    since, until = period_bounds(board, start)
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
    check_board(board)
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
            # The ledger aggregate hashes one row per learner; the default 4 MB spills it to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _tables():
    return {
        "entries": _q(BoardEntry._meta.db_table),
        "counts": _q(BoardScoreCount._meta.db_table),
        "ledger": _q(XpEntry._meta.db_table),
        "stats": _q(ProfileStats._meta.db_table),
        "profiles": _q(Profile._meta.db_table),
    }


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


EXPECTED_TABLE = "board_expected"
EXPECTED_COUNTS_TABLE = "board_expected_counts"
# A correction this large (a first fill, a restore) changes the entries' statistics too.
ANALYZE_AFTER_ROWS = 5000


def _reconcile_entries(board, start):
    """Upsert the entries that differ from the ledger and delete those with no XP in the period;
    returns how many rows changed. Only drifted rows are written, so live awards made since this
    transaction's snapshot (which changed entries the snapshot does not show) are not touched.

    The ledger's view of the period is aggregated once into a temporary table, which both the
    upsert and the anti-join of the delete read.
    """
    t = _tables()
    since, until = period_bounds(board, start)
    ops = connection.ops
    in_period, period_params = "", []
    if since is not None:
        in_period = "WHERE x.created_at >= %s AND x.created_at < %s"
        period_params = [ops.adapt_datetimefield_value(since), ops.adapt_datetimefield_value(until)]
    day = ops.adapt_datefield_value(start)
    expected = _q(EXPECTED_TABLE)
    _execute(f"DROP TABLE IF EXISTS {expected}", [])
    _execute(
        f"""
        CREATE TEMPORARY TABLE {expected} AS
        SELECT g.profile_id, g.xp, COALESCE(s.longest_streak, 0) AS longest_streak, g.reached AS reached_at,
            p.show_on_leaderboards AS is_public
        FROM (
            SELECT x.profile_id, SUM(x.amount) AS xp, MAX(x.created_at) AS reached
            FROM {t["ledger"]} x {in_period} GROUP BY x.profile_id
        ) g
        INNER JOIN {t["profiles"]} p ON p.id = g.profile_id
        LEFT JOIN {t["stats"]} s ON s.profile_id = g.profile_id
        """,
        period_params,
    )
    _analyze(expected)
    upsert = f"""
        INSERT INTO {t["entries"]} (board, period_start, profile_id, xp, longest_streak, reached_at, is_public)
        SELECT %s, %s, n.profile_id, n.xp, n.longest_streak, n.reached_at, n.is_public
        FROM {expected} n
        LEFT JOIN {t["entries"]} cur ON cur.board = %s AND cur.period_start = %s AND cur.profile_id = n.profile_id
        WHERE cur.id IS NULL OR cur.xp <> n.xp OR cur.longest_streak <> n.longest_streak
            OR cur.reached_at <> n.reached_at OR cur.is_public <> n.is_public
        ON CONFLICT (board, period_start, profile_id) DO UPDATE SET xp = EXCLUDED.xp,
            longest_streak = EXCLUDED.longest_streak, reached_at = EXCLUDED.reached_at,
            is_public = EXCLUDED.is_public
    """
    changed = _execute(upsert, [board, day, board, day])
    if changed > ANALYZE_AFTER_ROWS:
        _analyze(t["entries"])  # the delete below and the score counts read the new rows
    stale = f"""
        DELETE FROM {t["entries"]} WHERE board = %s AND period_start = %s AND NOT EXISTS (
            SELECT 1 FROM {expected} n WHERE n.profile_id = {t["entries"]}.profile_id
        )
    """
    changed += _execute(stale, [board, day])
    _execute(f"DROP TABLE {expected}", [])
    return changed


def _reconcile_counts(board, start):
    """Make the period's score counts equal a count of its public entries, writing only the
    rows that differ (see _reconcile_entries for why)."""
    t = _tables()
    levels = " UNION ALL ".join(
        f"SELECT {level} AS level, {shift} AS shift" for level, shift in enumerate(SCORE_SHIFTS)
    )
    day = connection.ops.adapt_datefield_value(start)
    expected = _q(EXPECTED_COUNTS_TABLE)
    _execute(f"DROP TABLE IF EXISTS {expected}", [])
    _execute(
        f"""
        CREATE TEMPORARY TABLE {expected} AS
        SELECT l.level AS level, e.xp >> l.shift AS bucket, COUNT(*) AS learners
        FROM {t["entries"]} e CROSS JOIN ({levels}) l
        WHERE e.board = %s AND e.period_start = %s AND e.is_public = %s
        GROUP BY l.level, e.xp >> l.shift
        """,
        [board, day, True],
    )
    _analyze(expected)
    upsert = f"""
        INSERT INTO {t["counts"]} (board, period_start, level, bucket, learners)
        SELECT %s, %s, n.level, n.bucket, n.learners
        FROM {expected} n
        LEFT JOIN {t["counts"]} c
            ON c.board = %s AND c.period_start = %s AND c.level = n.level AND c.bucket = n.bucket
        WHERE c.id IS NULL OR c.learners <> n.learners
        ON CONFLICT (board, period_start, level, bucket) DO UPDATE SET learners = EXCLUDED.learners
    """
    changed = _execute(upsert, [board, day, board, day])
    if changed > ANALYZE_AFTER_ROWS // 10:
        _analyze(t["counts"])  # a small table: the statistics cost milliseconds
    emptied = f"""
        UPDATE {t["counts"]} SET learners = 0
        WHERE board = %s AND period_start = %s AND learners <> 0 AND NOT EXISTS (
            SELECT 1 FROM {expected} n WHERE n.level = {t["counts"]}.level AND n.bucket = {t["counts"]}.bucket
        )
    """
    changed += _execute(emptied, [board, day])
    _execute(f"DROP TABLE {expected}", [])
    return changed


def _analyze(table):
    """Give the planner statistics for a table filled in this transaction (PostgreSQL): without
    them it assumes one row and anti-joins 70k rows by nested loops (minutes, not milliseconds,
    on a first fill)."""
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {table}", [])


def _refresh_board(board, start, now):
    with transaction.atomic(durable=True):
        _serializable(connection)
        began = time.monotonic()
        corrected = _reconcile_entries(board, start)
        _reconcile_counts(board, start)
        pruned = 0
        if board != Board.ALL_TIME:
            # Keep the current and the previous period; older ones are history nobody reads.
            keep_from = previous_period(board, start)
            pruned, _ = BoardEntry.objects.filter(board=board, period_start__lt=keep_from).delete()
            BoardScoreCount.objects.filter(board=board, period_start__lt=keep_from).delete()
            BoardRefresh.objects.filter(board=board, period_start__lt=keep_from).delete()
        rows = BoardEntry.objects.filter(board=board, period_start=start).count()
        seconds = time.monotonic() - began
        BoardRefresh.objects.update_or_create(
            board=board,
            period_start=start,
            defaults={"refreshed_at": now, "rows": rows, "corrected": corrected, "seconds": seconds},
        )
    # Emptied buckets add nothing to a rank; dropping them outside the snapshot (READ COMMITTED
    # re-checks the row) cannot collide with an award that is filling one again.
    BoardScoreCount.objects.filter(board=board, period_start=start, learners=0).delete()
    return RefreshResult(board, start, rows, corrected, pruned, seconds)


def leaderboards_refresh(*, now=None):
    """Reconcile the current period of every board with the XP ledger; returns a RefreshResult
    per board.

    Set-based, in SQL: per board one upsert from an aggregate of the ledger that writes only the
    entries that differ (missing, drifted XP, streak, reach time or visibility), one delete of
    entries with no XP in the period any more, then the same for the score counts; entries of
    periods before the previous one are pruned. Live awards keep writing meanwhile; on
    PostgreSQL a board whose correction collides with one is retried on a new snapshot.
    Idempotent: a second run corrects nothing.
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
