# ruff: noqa: E501 (long SQL reads better unbroken)
"""The derived rows of bench/generate.py, as tasks for gen_tasks.run_tasks.

All of them read the narrow staging tables in schema bench_gen (UNLOGGED, shared by the worker
sessions): `raw` (the random draws: learner, problem rank, correct?, time, answer variant) and
`sub`, built from it by one window pass, which gives every answer an id in time order and its
pair's facts (opened_at, first answer, first correct answer, last answer, attempts). From
`sub`, per row, follow exactly what submission_create would have stored:
  * the submission (answer, verdict and feedback from the problem's judged example answers);
  * progress: one row per pair, from its best answer (the first solve, else the first answer);
  * the XP ledger: one entry per paid first solve, earned_on in the learner's time zone;
and from `raw`: one ActivityDay per learner-local day with activity. Profile stats replay
gamification.services.streak_advance over those days; the boards are what
leaderboards_refresh() reconciles them to (build_boards).
"""

STAGE = "bench_gen"  # schema of the staging tables, shared by the worker sessions
CHUNK = 250_000  # submissions per statement (progress display)
# What submission_create computes for one answer row `s` of bench_gen.sub joined with its problem `p`:
# seconds_taken from opened_at, first solve = the pair's first correct answer, points = base + time bonus.
FACTS = """CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM s.ts - s.opened_at))::int AS secs,
                                          (s.ok AND s.ts = s.solved_at) AS first) x"""
POINTS = "(p.base_points + round(p.time_bonus_points * greatest(0.0, 1.0 - x.secs::float8 / p.win))::int)"


def run(cur, sql, params=None, phase=None):
    cur.execute(sql, params)
    if phase is not None and cur.rowcount and cur.rowcount > 0:
        phase.add(cur.rowcount)
    return cur.rowcount


def chunked(table_sql, n_subs):
    """fn(conn, task) running `table_sql` (an INSERT … WHERE s.id BETWEEN %s AND %s) chunk by chunk."""

    def fn(conn, task):
        for lo in range(1, n_subs + 1, CHUNK):
            task.run(conn, table_sql, [lo, lo + CHUNK - 1])

    return fn


SUBMISSIONS_SQL = f"""
INSERT INTO learning_submission (id, profile_id, problem_id, answer, is_correct, score, feedback, judge_name, judge_version,
                                 seconds_taken, points_awarded, is_first_solve, practice_session_id, idempotency_key, created_at)
SELECT s.id, s.profile_id, s.problem_id, a.answer, a.correct, a.score, a.feedback, p.judge_kind, j.version, x.secs,
       CASE WHEN x.first THEN {POINTS} ELSE 0 END, x.first, NULL, NULL, s.ts
  FROM {STAGE}.sub s JOIN {STAGE}.problem p ON p.id = s.problem_id
  {FACTS}
  JOIN {STAGE}.answer a ON a.problem_id = s.problem_id AND a.ok = s.ok AND a.k = s.k
  JOIN {STAGE}.judge j ON j.kind = p.judge_kind
 WHERE s.id BETWEEN %s AND %s
 ORDER BY s.id"""

# One row per pair, taken from its best answer: the first solve, else the first answer. attempts =
# answers; completed at the first solve; time spent frozen at completion (else up to the last
# answer); points of the first solve; version = 1 + attempts.
PROGRESS_SQL = f"""
INSERT INTO learning_problemprogress (profile_id, problem_id, status, attempts, opened_at, first_attempt_at, completed_at,
                                      time_spent_seconds, best_submission_id, points_earned, version, updated_at)
SELECT s.profile_id, s.problem_id, CASE WHEN x.first THEN 'completed' ELSE 'in_progress' END,
       s.attempts, s.opened_at, s.first_ts, s.solved_at,
       CASE WHEN x.first THEN x.secs ELSE floor(extract(epoch FROM s.last_ts - s.opened_at))::int END,
       s.id, CASE WHEN x.first THEN {POINTS} ELSE 0 END, 1 + s.attempts, s.last_ts
  FROM {STAGE}.sub s JOIN {STAGE}.problem p ON p.id = s.problem_id
  {FACTS}
 WHERE s.id BETWEEN %s AND %s AND (x.first OR (s.solved_at IS NULL AND s.ts = s.first_ts))
 ORDER BY s.id"""

LEDGER_SQL = f"""
INSERT INTO gamification_xpentry (profile_id, amount, reason, source, earned_on, created_at)
SELECT s.profile_id, {POINTS}, 'first_solve', 'first-solve:' || s.problem_id, (s.ts AT TIME ZONE l.tz)::date, s.ts
  FROM {STAGE}.sub s JOIN {STAGE}.problem p ON p.id = s.problem_id JOIN {STAGE}.learner l ON l.n = s.profile_id
  {FACTS}
 WHERE s.id BETWEEN %s AND %s AND x.first AND {POINTS} > 0
 ORDER BY s.id"""

# One window pass per (learner, problem) pair: first answer, first correct answer, last answer,
# attempts. opened_at = first answer minus a per-pair 20–600 s "reading time" (deterministic
# hash), so seconds_taken = created_at − opened_at as submission_create computes it. Ids follow
# time order. Submissions, progress and the ledger all derive from this one table.
FACTS_SQL = f"""
CREATE UNLOGGED TABLE {STAGE}.sub AS
SELECT row_number() OVER (ORDER BY ts)::bigint AS id, *
  FROM (SELECT r.profile_id, p.id AS problem_id, r.ok, r.ts, r.k,
               min(r.ts) OVER pair - make_interval(secs => 20 + mod(abs(hashtext(r.profile_id || ':' || p.id)), 580)) AS opened_at,
               min(r.ts) OVER pair AS first_ts,
               min(r.ts) FILTER (WHERE r.ok) OVER pair AS solved_at,
               max(r.ts) OVER pair AS last_ts,
               count(*) OVER pair ::int AS attempts
          FROM {STAGE}.raw r JOIN {STAGE}.problem p ON p.rank = r.prank
        WINDOW pair AS (PARTITION BY r.profile_id, p.id)) s
 ORDER BY ts"""

# Needs only the raw draws, so it runs while the pair facts are built.
DAYS_SQL = f"""
INSERT INTO gamification_activityday (profile_id, day, is_frozen, created_at)
SELECT r.profile_id, (r.ts AT TIME ZONE l.tz)::date, false, min(r.ts)
  FROM {STAGE}.raw r JOIN {STAGE}.learner l ON l.n = r.profile_id
 GROUP BY 1, 2
 ORDER BY 4"""


def facts_task(conn, task):
    conn.execute("SET work_mem = '3GB'")  # both sorts in memory
    task.run(conn, FACTS_SQL)
    conn.execute("SET work_mem = '1GB'")
    conn.execute(f"CREATE INDEX ON {STAGE}.sub USING brin (id)")
    conn.execute(f"ANALYZE {STAGE}.sub")


def submissions_task(n_subs):
    insert = chunked(SUBMISSIONS_SQL, n_subs)

    def fn(conn, task):
        insert(conn, task)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('learning_submission', 'id'), (SELECT max(id) FROM learning_submission))"
        )

    return fn


def days_task(conn, task):
    task.run(conn, DAYS_SQL)


def replay_task(conn, task):
    """Every learner's streak, replayed with streak_advance itself over their days; frozen days by COPY."""
    from gamification.services import StreakState, streak_advance

    cur = conn.cursor()
    cur.execute("SELECT profile_id, day FROM gamification_activityday WHERE NOT is_frozen ORDER BY profile_id, day")
    states, frozen = {}, []
    while True:
        rows = cur.fetchmany(100_000)
        if not rows:
            break
        for pid, day in rows:
            state = streak_advance(states.get(pid, StreakState()), day)
            if state.frozen_days:
                frozen.extend((pid, d) for d in state.frozen_days)
            states[pid] = state
        task.add(len(rows))
    with cur.copy("COPY gamification_activityday (profile_id, day, is_frozen, created_at) FROM STDIN") as copy:
        for pid, day in frozen:
            copy.write_row((pid, day, True, f"{day} 12:00:00+00"))
    task.states, task.frozen = states, len(frozen)


def stats_task(badges, replay):
    """ProfileStats from the replayed streaks and the ledger, by COPY."""
    from gamification.levels import level_for_xp
    from gamification.services import StreakState, badge_for

    def fn(conn, task):
        states = replay.states
        cur = conn.cursor()
        cur.execute(
            """SELECT profile_id, sum(amount), count(*) FILTER (WHERE reason = 'first_solve'), max(created_at)
                 FROM gamification_xpentry GROUP BY profile_id"""
        )
        ledger = {pid: (xp, solved, reached) for pid, xp, solved, reached in cur.fetchall()}
        cur.execute("SELECT id, show_on_leaderboards FROM accounts_profile")
        public = dict(cur.fetchall())
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'gamification_profilestats'")
        has_markers = {"board_longest_streak", "board_is_public"} <= {c for (c,) in cur.fetchall()}
        columns = [
            "profile_id",
            "total_xp",
            "level",
            "problems_solved",
            "current_streak",
            "longest_streak",
            "last_active_on",
            "streak_freezes",
            "badge_id",
            "xp_reached_at",
            "updated_at",
        ]
        if has_markers:  # what the board entries last received (leaderboards.leaderboard_record)
            columns += ["board_longest_streak", "board_is_public"]
        with cur.copy(f"COPY gamification_profilestats ({', '.join(columns)}) FROM STDIN") as copy:
            for pid in sorted(set(states) | set(ledger)):
                xp, solved, reached = ledger.get(pid, (0, 0, None))
                st = states.get(pid, StreakState())
                badge = badge_for(badges, xp, solved)
                row = [pid, xp, level_for_xp(xp), solved, st.current, st.longest, st.last_active_on, st.freezes]
                row += [badge.pk if badge else None, reached, "now"]
                if has_markers:
                    row += [st.longest, public[pid]]
                copy.write_row(row)
                task.add(1)
        cur.execute("ANALYZE gamification_profilestats")

    return fn


def boards_task():
    def fn(conn, task):
        """On this thread's own Django connection (leaderboards_refresh() uses Django's)."""
        from django.db import connection

        try:
            task.note = build_boards(connection.cursor(), task)
        finally:
            connection.close()

    return fn


def vacuum_task(tables, vacuum):
    def fn(conn, task):
        for table in tables:
            if conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0] is not None:
                conn.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {table}")
                task.add(1)

    return fn


def build_boards(cur, ph):
    """The boards: a first fill by leaderboards_refresh() itself, the same code that reconciles
    them every minute, so the generated boards are exactly what the live system keeps."""
    from django.utils import timezone

    from gamification.board_refresh import leaderboards_refresh

    results = leaderboards_refresh(now=timezone.now())
    cur.execute("SELECT count(*) FROM gamification_boardentry")
    ph.rows = cur.fetchone()[0]
    filled = sum(result.corrected for result in results)
    return f"leaderboards_refresh(), {len(results)} boards, first fill: {filled:,} entries written"
