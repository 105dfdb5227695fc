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

from django.db import OperationalError, connection, transaction
from django.db.models import F, IntegerField, Max, Sum, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Rank
from django.utils import timezone

from accounts.models import Profile

from .models import Board, BoardEntry, BoardRefresh, BoardScoreCount, ProfileStats, XpEntry

ALL_TIME_PERIOD = date(2000, 1, 1)
BOARDS = (Board.ALL_TIME, Board.WEEK, Board.MONTH)
REFRESH_ATTEMPTS = 3

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

# Bucket widths of BoardScoreCount levels 0, 1 and 2, as right shifts of the XP score.
SCORE_SHIFTS = (0, 6, 12)


def score_buckets(xp):
    """[(level, bucket)] of one XP score at each BoardScoreCount level."""
    return [(level, xp >> shift) for level, shift in enumerate(SCORE_SHIFTS)]


def _q(name):
    return connection.ops.quote_name(name)


def _upsert_sql():
    table = _q(BoardEntry._meta.db_table)
    names = ("board", "period_start", "profile_id", "xp", "longest_streak", "reached_at", "is_public")
    columns = ", ".join(_q(name) for name in names)
    row = "(%s, %s, %s, %s, %s, %s, %s)"
    # One statement for all three boards, atomic on both SQLite (>= 3.24) and PostgreSQL: the
    # unique key decides insert or update. The ORM's bulk_create(update_conflicts=True) can only
    # copy EXCLUDED values, not add to them.
    return (
        f"INSERT INTO {table} ({columns}) VALUES {row}, {row}, {row} "
        f"ON CONFLICT ({_q('board')}, {_q('period_start')}, {_q('profile_id')}) DO UPDATE SET "
        f"{_q('xp')} = {table}.{_q('xp')} + %s, "
        f"{_q('longest_streak')} = EXCLUDED.{_q('longest_streak')}, "
        f"{_q('is_public')} = EXCLUDED.{_q('is_public')}, "
        # Awards synced late (offline clients) must not move the reach time backwards.
        f"{_q('reached_at')} = CASE WHEN EXCLUDED.{_q('reached_at')} > {table}.{_q('reached_at')} "
        f"THEN EXCLUDED.{_q('reached_at')} ELSE {table}.{_q('reached_at')} END"
    )


def _counts_add(changes):
    """Apply {(board, period_start, level, bucket): delta} to BoardScoreCount in one statement.

    Rows are written in key order, so two awards touching the same buckets lock them in the same
    order and cannot deadlock. Rows that fall to 0 stay until the refresh prunes them.
    """
    changes = sorted((key, delta) for key, delta in changes.items() if delta)
    if not changes:
        return
    ops = connection.ops
    table = _q(BoardScoreCount._meta.db_table)
    names = ("board", "period_start", "level", "bucket", "learners")
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(changes))
    params = []
    for (board, start, level, bucket), delta in changes:
        params += [board, ops.adapt_datefield_value(start), level, bucket, delta]
    sql = (
        f"INSERT INTO {table} ({', '.join(_q(n) for n in names)}) VALUES {values} "
        f"ON CONFLICT ({_q('board')}, {_q('period_start')}, {_q('level')}, {_q('bucket')}) "
        f"DO UPDATE SET {_q('learners')} = {table}.{_q('learners')} + EXCLUDED.{_q('learners')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _count_changes(before, after):
    """{(board, start, level, bucket): delta} turning the public entries `before` into `after`,
    each {(board, start): (xp, is_public)}."""
    changes = {}
    for sign, entries in ((-1, before), (1, after)):
        for (board, start), (xp, public) in entries.items():
            if not public:
                continue
            for level, bucket in score_buckets(xp):
                key = (board, start, level, bucket)
                changes[key] = changes.get(key, 0) + sign
    return changes


def leaderboard_record(*, stats, gained, occurred_at, is_public):
    """Keep the learner's board entries and the boards' score counts current after an award.

    Precondition: called inside the action's transaction, holding the lock on the learner's
    `ProfileStats` row (select_for_update), whose longest streak is already the new one; one
    learner's awards are therefore serialised, and the entries read here cannot change under us.
    Sets `stats.board_longest_streak`/`stats.board_is_public` to what the entries now hold; the
    caller saves `stats` afterwards.

    With XP gained: read the learner's current entries, upsert the entries of the three periods
    containing `occurred_at` (xp += gained, or inserted with the period's XP so far; longest
    streak, visibility and reach time refreshed), and upsert the score-count deltas: one
    statement on PostgreSQL, three on SQLite. Without XP: nothing (0 queries) unless the longest streak or the
    visibility differ from what the entries last received; then the learner's existing entries
    are updated (never created: no XP in a period means no place on it), with their counts.
    """
    streak = stats.longest_streak
    if gained <= 0:
        if stats.board_longest_streak == streak and stats.board_is_public == is_public:
            return None
        _record_standing(stats.profile_id, streak, is_public)
        stats.board_longest_streak, stats.board_is_public = streak, is_public
        return None
    periods = {board: period_start(board, occurred_at) for board in BOARDS}
    field = BoardEntry._meta.get_field
    reached = field("reached_at").get_db_prep_value(occurred_at, connection)
    firsts, rows = {}, []
    for board, start in periods.items():
        # A missing all-time entry starts from the learner's whole total; a new week or month
        # starts from this award (an entry is only dropped when the period's ledger XP is 0).
        firsts[board] = max(stats.total_xp, gained) if board == Board.ALL_TIME else gained
        day = field("period_start").get_db_prep_value(start, connection)
        rows += [board, day, stats.profile_id, firsts[board], streak, reached, is_public]
    if connection.vendor == "postgresql":
        # One round trip: read the old entries, upsert them and add the count deltas together.
        pairs = [value for board, start in periods.items() for value in (board, start)]
        with connection.cursor() as cursor:
            cursor.execute(_record_sql(), [stats.profile_id, *pairs, *rows, gained])
    else:
        before = {
            (board, start): (xp, public)
            for board, start, xp, public in BoardEntry.objects.filter(
                profile_id=stats.profile_id, period_start__in=set(periods.values()), board__in=BOARDS
            ).values_list("board", "period_start", "xp", "is_public")
            if periods[board] == start
        }
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(), [*rows, gained])
        after = {
            (board, start): (
                (before[(board, start)][0] + gained) if (board, start) in before else firsts[board],
                is_public,
            )
            for board, start in periods.items()
        }
        _counts_add(_count_changes(before, after))
    stats.board_longest_streak, stats.board_is_public = streak, is_public
    return None


def _record_sql():
    """PostgreSQL: `leaderboard_record`'s three steps as one statement. Its parts share one
    snapshot, so `old` holds the entries as they were before `up` changed them."""
    entries, counts = _q(BoardEntry._meta.db_table), _q(BoardScoreCount._meta.db_table)
    levels = ", ".join(f"({level}, {shift})" for level, shift in enumerate(SCORE_SHIFTS))
    return f"""
        WITH old AS (
            SELECT board, period_start, xp, is_public FROM {entries}
            WHERE profile_id = %s AND (board, period_start) IN ((%s, %s::date), (%s, %s::date), (%s, %s::date))
        ), up AS (
            {_upsert_sql()}
            RETURNING board, period_start, xp, is_public
        ), delta AS (
            SELECT board, period_start, xp, -1 AS change FROM old WHERE is_public
            UNION ALL
            SELECT board, period_start, xp, 1 FROM up WHERE is_public
        )
        INSERT INTO {counts} (board, period_start, level, bucket, learners)
        SELECT d.board, d.period_start, l.level, d.xp >> l.shift, SUM(d.change)
        FROM delta d CROSS JOIN (VALUES {levels}) AS l(level, shift)
        GROUP BY d.board, d.period_start, l.level, d.xp >> l.shift
        HAVING SUM(d.change) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (board, period_start, level, bucket)
        DO UPDATE SET learners = {counts}.learners + EXCLUDED.learners
    """


def _record_standing(profile_id, streak, is_public):
    """Give the learner's existing entries a new longest streak and visibility, with counts."""
    entries = list(
        BoardEntry.objects.select_for_update()
        .filter(profile_id=profile_id)
        .values_list("pk", "board", "period_start", "xp", "is_public", "longest_streak")
    )
    stale = [pk for pk, _, _, _, public, old in entries if (public, old) != (is_public, streak)]
    if not stale:
        return
    BoardEntry.objects.filter(pk__in=stale).update(longest_streak=streak, is_public=is_public)
    flipped = [(board, start, xp, public) for _, board, start, xp, public, _ in entries if public != is_public]
    before = {(board, start): (xp, public) for board, start, xp, public in flipped}
    after = {(board, start): (xp, is_public) for board, start, xp, _ in flipped}
    _counts_add(_count_changes(before, after))


# --- reading ------------------------------------------------------------------------------------


def _public(board, start):
    return BoardEntry.objects.filter(board=board, period_start=start, is_public=True)


def _public_total(board, start):
    """How many public entries a board period has: the sum of its widest score buckets."""
    total = BoardScoreCount.objects.filter(board=board, period_start=start, level=len(SCORE_SHIFTS) - 1).aggregate(
        n=Sum("learners")
    )["n"]
    return total or 0


def leaderboard_size(board, *, now=None):
    """How many learners are on a board's current period publicly. One small query."""
    _check_board(board)
    return _public_total(board, period_start(board, now or timezone.now()))


def leaderboard_page(board, *, page=1, per_page=100, now=None, me_profile_id=None):
    """One page of a board's public entries, best first, and the number of public entries.

    Two queries: the page with RANK() computed in the database (pipelined along
    board_entry_rank_idx, so only `page * per_page` index entries are read) and the total from
    the score counts. Unknown boards raise ValueError; pages past the end are empty.
    """
    _check_board(board)
    start = period_start(board, now or timezone.now())
    page = max(1, int(page))
    offset = (page - 1) * per_page
    ranked = (
        _public(board, start)
        .annotate(rank=Window(Rank(), order_by=list(RANK_ORDER[:3])))
        .order_by(*RANK_ORDER)
        .values_list("rank", "profile_id", "profile__display_name", "xp", "longest_streak", "reached_at")
    )
    rows = [
        BoardRow(rank, profile_id, name, xp, streak, reached, is_me=profile_id == me_profile_id)
        for rank, profile_id, name, xp, streak, reached in ranked[offset : offset + per_page]
    ]
    return rows, _public_total(board, start)


def _ahead_sql():
    """SQL for "public entries strictly ahead of this one", over the outer BoardEntry row."""
    e, counts = _q(BoardEntry._meta.db_table), _q(BoardScoreCount._meta.db_table)
    xp, streak, reached = f"{e}.{_q('xp')}", f"{e}.{_q('longest_streak')}", f"{e}.{_q('reached_at')}"
    level1, level2 = SCORE_SHIFTS[1], SCORE_SHIFTS[2]
    period = f"c.board = {e}.board AND c.period_start = {e}.period_start"
    summed = f"SELECT COALESCE(SUM(c.learners), 0) FROM {counts} c WHERE {period}"
    more_xp = (
        # Whole wide buckets above mine, then the 64-wide buckets above mine inside my wide
        # bucket, then the exact scores above mine inside my 64-wide bucket.
        f"({summed} AND c.level = 2 AND c.bucket > ({xp} >> {level2}))"
        f" + ({summed} AND c.level = 1 AND c.bucket > ({xp} >> {level1})"
        f" AND c.bucket < ((({xp} >> {level2}) + 1) << {level2 - level1}))"
        f" + ({summed} AND c.level = 0 AND c.bucket > {xp} AND c.bucket < ((({xp} >> {level1}) + 1) << {level1}))"
    )
    tie = f"SELECT COUNT(*) FROM {e} t WHERE t.board = {e}.board AND t.period_start = {e}.period_start"
    tie += f" AND t.is_public = %s AND t.xp = {xp}"
    ahead_on_ties = (
        # Same XP, ahead on the tie-breaks: two short ranges of board_entry_rank_idx.
        f"({tie} AND t.longest_streak > {streak})"
        f" + ({tie} AND t.longest_streak = {streak} AND t.reached_at < {reached})"
    )
    return f"{more_xp} + {ahead_on_ties}"


def leaderboard_rank(board, profile_id, *, now=None):
    """The learner's own row on a board, ranked among the public entries, or None when they
    have no XP in the period. Learners off public boards still get the rank they would have.

    One query whose cost does not grow with the rank: rank = 1 + the public learners with more
    XP (summed from at most ~130 BoardScoreCount rows) + those with the same XP who are ahead on
    longest streak or reach time (index ranges over the tie only).
    """
    _check_board(board)
    start = period_start(board, now or timezone.now())
    entry = (
        BoardEntry.objects.filter(board=board, period_start=start, profile_id=profile_id)
        .annotate(ahead=RawSQL(_ahead_sql(), (True, True), output_field=IntegerField()))
        .values_list("profile__display_name", "xp", "longest_streak", "reached_at", "ahead")
        .first()
    )
    if entry is None:
        return None
    name, xp, streak, reached, ahead = entry
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
    since, until = _period_bounds(board, start)
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
            keep_from = _previous_period(board, start)
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
