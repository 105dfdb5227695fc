"""Leaderboards: all time, this week and this month (UTC periods), live and reconciled.

Each award upserts the learner's three `BoardEntry` rows in the award's own transaction
(`leaderboard_record`), so every board is as fresh as the ledger and a learner's own rank is
fresh at once. A scheduled task (`board_refresh.leaderboards_refresh`, every minute) reconciles
every board with the XP ledger, the source of truth, and prunes old periods.

Ranking is standard competition ranking over public entries: rank = 1 + the number of public
entries strictly better on (xp desc, longest_streak desc, reached_at asc).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import F, IntegerField, Sum, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Rank
from django.utils import timezone

from .models import Board, BoardEntry, BoardRefresh, BoardScoreCount

ALL_TIME_PERIOD = date(2000, 1, 1)
BOARDS = (Board.ALL_TIME, Board.WEEK, Board.MONTH)

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


def check_board(board):
    if board not in Board.values:
        raise ValueError(f"Unknown board {board!r}; expected one of {Board.values}.")


def period_start(board, moment):
    """The first day (UTC) of the period of `board` that contains the instant `moment`:
    Monday of the ISO week, the 1st of the month, or ALL_TIME_PERIOD."""
    check_board(board)
    if board == Board.ALL_TIME:
        return ALL_TIME_PERIOD
    day = moment.astimezone(UTC).date() if timezone.is_aware(moment) else moment.date()
    if board == Board.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_bounds(board, start):
    """[from, to) instants of a period; None for an open end."""
    if board == Board.ALL_TIME:
        return None, None
    if board == Board.WEEK:
        end = start + timedelta(days=7)
    else:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    as_instant = lambda d: datetime(d.year, d.month, d.day, tzinfo=UTC)  # noqa: E731
    return as_instant(start), as_instant(end)


def previous_period(board, start):
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


def leaderboard_record(*, stats, gained, occurred_at, is_public, batch=None):
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
    With a `batch` (accounts.rows.WriteBatch), PostgreSQL's one statement joins it instead of
    running here, so it goes out with the action's other writes.
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
        params = [stats.profile_id, *pairs, *rows, gained]
        if batch is not None:
            batch.add(_record_sql(), params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(_record_sql(), params)
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
    check_board(board)
    return _public_total(board, period_start(board, now or timezone.now()))


def leaderboard_page(board, *, page=1, per_page=100, now=None, me_profile_id=None):
    """One page of a board's public entries, best first, and the number of public entries.

    Two queries: the page with RANK() computed in the database (pipelined along
    board_entry_rank_idx, so only `page * per_page` index entries are read) and the total from
    the score counts. Unknown boards raise ValueError; pages past the end are empty.
    """
    check_board(board)
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
    check_board(board)
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
    check_board(board)
    start = period_start(board, now or timezone.now())
    return BoardRefresh.objects.filter(board=board, period_start=start).values_list("refreshed_at", flat=True).first()
