#!/usr/bin/env python
# ruff: noqa: E501 (long SQL and table rows read better unbroken)
"""Fill a benchmark database with realistic, skewed Learnloop data, set-wise in PostgreSQL.

    createdb -h 127.0.0.1 -U postgres learnloop_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/learnloop_bench \\
        .venv/bin/python bench/generate.py --profiles 100000 --submissions 5000000 [--seed 1]

Shape (the seed baseline's, bench/seed_baseline in /work/shared, so the figures compare):
  * 95% of profiles are users' own, 5% are managed children (no login) created by a guardian
    user (a ProfileLink "parent"/"created"); children stay off public boards unless opted in;
  * 30% of learners did nothing in the 60-day window; the learner of activity rank n gets a
    share of all submissions proportional to 1/(n + 50) (activity rank unrelated to signup);
  * problems lean towards the first ones (problem rank = P·u^1.5); about half the answers
    are correct; created_at is uniform over the last 60 days; rows go in in time order.
Every derived row follows the real rules of learning.services.submissions and
gamification.services: one progress row per (learner, problem) answered, exactly one first
solve per solved pair carrying its points (base + linear time bonus from opened_at), one
XP-ledger entry per paid first solve, one ActivityDay per learner-local day with activity,
ProfileStats replayed with gamification.services.streak_advance itself (so freezes and frozen
days are exactly what the live path would have written), and the boards built by
gamification.leaderboards.leaderboards_refresh() (or set-wise when that is not there yet).

`manage.py check_integrity` on the result reports no drift. The database must be empty (a
fresh `createdb`); --recreate drops and recreates it first (only for names containing "bench").
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

ACTIVE_SHARE = 0.7
CHILD_EVERY = 20  # every 20th profile is a managed child (5%)
WINDOW_DAYS = 60
ANSWERS_PER_KIND = 3  # correct / incorrect example answers kept per problem
TIME_ZONES = [  # (zone, weight)
    ("Europe/London", 30),
    ("UTC", 10),
    ("Europe/Berlin", 15),
    ("America/New_York", 15),
    ("America/Los_Angeles", 8),
    ("Asia/Kolkata", 10),
    ("Australia/Sydney", 6),
    ("Asia/Tokyo", 6),
]
UNUSABLE_PASSWORD = "!bench-generated-no-login"  # "!" prefix: Django's unusable password marker


# --------------------------------------------------------------------------- progress display
class Phase:
    """One named phase: a live line on stderr (phase, rows done, elapsed) and a timing record."""

    log = []

    def __init__(self, name, total=None):
        self.name, self.total, self.rows = name, total, 0
        self._stop = threading.Event()

    def add(self, rows):
        self.rows += max(0, rows or 0)

    def _line(self):
        elapsed = time.monotonic() - self.start
        done = f"{self.rows:,}" + (f"/{self.total:,}" if self.total else "")
        bar = ""
        if self.total:
            filled = int(20 * min(1.0, self.rows / self.total))
            bar = "[" + "#" * filled + "." * (20 - filled) + "] "
        return f"\r  {self.name:<34} {bar}{done:>22} rows  {elapsed:7.1f} s"

    def _tick(self):
        if not sys.stderr.isatty():
            return
        while not self._stop.wait(0.5):
            sys.stderr.write(self._line())
            sys.stderr.flush()

    def __enter__(self):
        self.start = time.monotonic()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.seconds = time.monotonic() - self.start
        sys.stderr.write(self._line().lstrip("\r") + "\n")
        sys.stderr.flush()
        Phase.log.append((self.name, self.rows, self.seconds))
        return False


# --------------------------------------------------------------------------- helpers
def recreate_database(url):
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"--recreate refuses to drop “{name}”: only databases whose name contains “bench”.")
    admin = url[: -len(parsed.path)] + "/postgres" if parsed.path else url + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(cur, sql, params=None, phase=None):
    cur.execute(sql, params)
    if phase is not None and cur.rowcount and cur.rowcount > 0:
        phase.add(cur.rowcount)
    return cur.rowcount


BULK_TABLES = ("learning_submission", "learning_problemprogress", "gamification_xpentry", "gamification_activityday")


def secondary_indexes(cur, tables):
    """(name, definition) of the plain (non-unique, non-constraint) indexes on `tables`."""
    cur.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
             JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
            WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary
            ORDER BY i.tablename, i.indexname""",
        [list(tables)],
    )
    return cur.fetchall()


def table_sizes(cur):
    cur.execute(
        """
        SELECT c.relname, c.reltuples::bigint,
               pg_table_size(c.oid), pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r'
           AND c.relname IN ('accounts_user', 'accounts_profile', 'accounts_profilelink', 'learning_problem',
                             'learning_submission', 'learning_problemprogress', 'gamification_xpentry',
                             'gamification_activityday', 'gamification_profilestats', 'gamification_boardentry')
         ORDER BY pg_total_relation_size(c.oid) DESC
        """
    )
    return cur.fetchall()


def mb(n):
    return f"{n / 1048576:,.1f}"


# --------------------------------------------------------------------------- phases
def sync_content(target_problems):
    """The bundled content, plus practice modules cloned from it up to `target_problems`."""
    from django.db import transaction

    from learning import judges
    from learning.models import Module, Problem
    from learning.services.content import content_sync, load_content

    content_sync()
    specs = load_content()
    examples = {}  # slug -> (judge_kind, config, correct list, incorrect list)
    for module in specs:
        for problem in module.problems:
            f = problem.fields
            examples[f["slug"]] = (
                f["judge_kind"],
                f["judge_config"],
                list(problem.examples.get("correct") or []),
                list(problem.examples.get("incorrect") or []),
            )
    originals = list(Problem.objects.filter(slug__in=examples).order_by("module__display_order", "display_order"))
    extra = max(0, target_problems - Problem.objects.count())
    per_module = 20
    with transaction.atomic():
        made, k = 0, 0
        while made < extra:
            k += 1
            module, _ = Module.objects.get_or_create(
                slug=f"practice-set-{k}",
                defaults={"title": f"Practice set {k}", "description": "Mixed practice.", "display_order": 100 + k},
            )
            batch = []
            for i in range(min(per_module, extra - made)):
                src = originals[(made + i) % len(originals)]
                batch.append(
                    Problem(
                        slug=f"{src.slug}-p{k}",
                        module=module,
                        title=f"{src.title} ({k})",
                        statement=src.statement,
                        difficulty=src.difficulty,
                        judge_kind=src.judge_kind,
                        judge_config=src.judge_config,
                        base_points=src.base_points,
                        time_bonus_points=src.time_bonus_points,
                        time_bonus_window_seconds=src.time_bonus_window_seconds,
                        display_order=i + 1,
                        hint=src.hint,
                        explanation=src.explanation,
                    )
                )
            Problem.objects.bulk_create(batch)
            made += len(batch)
    # Example answers per problem, cleaned and judged by the real judge (what submit stores).
    rows = []
    for problem in Problem.objects.order_by("module__display_order", "display_order", "slug"):
        slug = problem.slug
        source = slug if slug in examples else slug.rsplit("-p", 1)[0]
        _kind, _config, correct, incorrect = examples[source]
        judge = judges.get_judge(problem.judge_kind)
        for ok, answers in ((True, correct), (False, incorrect)):
            answers = answers or (incorrect if ok else correct)
            for j in range(ANSWERS_PER_KIND):
                answer = judge.clean_answer(problem.judge_config, answers[j % len(answers)])
                verdict = judge.grade(problem.judge_config, answer)
                rows.append((problem.pk, ok, j + 1, answer, verdict.correct, verdict.score, verdict.feedback))
    return rows, judges


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--submissions", type=int, default=5_000_000)
    parser.add_argument("--problems", type=int, default=500, help="Total problems (bundled + cloned practice sets).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--recreate", action="store_true", help="Drop and recreate the (bench) database first.")
    parser.add_argument(
        "--live-indexes",
        action="store_true",
        help="Keep every index live during the bulk inserts (slower). By default the plain secondary "
        "indexes of the four big tables are dropped before the load and rebuilt, identical, after it; "
        "primary keys, unique constraints (first solve once, ledger once per source, one progress row "
        "per pair), checks and foreign keys stay enforced throughout.",
    )
    parser.add_argument("--no-vacuum", action="store_true", help="Only ANALYZE at the end, no VACUUM.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://…/learnloop_bench (PostgreSQL only).")
    t_all = time.monotonic()
    if args.recreate:
        with Phase("recreate database"):
            recreate_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from psycopg.types.json import Jsonb

    from accounts.models import User
    from gamification.levels import level_for_xp
    from gamification.models import Badge
    from gamification.services import StreakState, badge_for, streak_advance

    with Phase("migrate"):
        call_command("migrate", verbosity=0, interactive=False)
    if User.objects.exists():
        sys.exit("The database already has users: drop and recreate it (or pass --recreate).")

    with Phase("content (sync + practice sets)") as ph:
        answers, _judges = sync_content(args.problems)
        ph.add(len(answers))

    P, S = args.profiles, args.submissions
    cur = connection.cursor()
    pg = cur.cursor  # the psycopg cursor, for COPY
    for sql in (
        "SET synchronous_commit = off",
        "SET work_mem = '1GB'",
        "SET maintenance_work_mem = '1GB'",
        "SET temp_buffers = '3GB'",
        "SET max_parallel_workers_per_gather = 0",  # one deterministic stream of random()
        "SET jit = off",
    ):
        cur.execute(sql)
    cur.execute("SELECT setseed(%s)", [((args.seed * 7919) % 1000) / 1000.0 - 0.5])

    # ---------------------------------------------------------------- problems and answers
    with Phase("problems and example answers") as ph:
        run(
            cur,
            """CREATE TEMP TABLE g_problem AS
               SELECT row_number() OVER (ORDER BY m.display_order, p.display_order, p.slug)::int AS rank,
                      p.id, p.judge_kind, p.base_points, p.time_bonus_points, p.time_bonus_window_seconds AS win
                 FROM learning_problem p JOIN learning_module m ON m.id = p.module_id""",
            phase=ph,
        )
        cur.execute("CREATE UNIQUE INDEX ON g_problem (rank)")
        cur.execute(
            "CREATE TEMP TABLE g_answer (problem_id bigint, ok bool, k int, answer jsonb, correct bool,"
            " score int, feedback text, PRIMARY KEY (problem_id, ok, k))"
        )
        with pg.copy("COPY g_answer FROM STDIN") as copy:
            for problem_id, ok, k, answer, correct, score, feedback in answers:
                copy.write_row((problem_id, ok, k, Jsonb(answer), correct, score, feedback))
        ph.add(len(answers))
        cur.execute("SELECT count(*) FROM g_problem")
        n_problems = cur.fetchone()[0]
        cur.execute("SELECT DISTINCT judge_kind FROM g_problem")
        versions = {kind: _judges.get_judge(kind).version for (kind,) in cur.fetchall()}
        cur.execute("CREATE TEMP TABLE g_judge (kind text PRIMARY KEY, version text)")
        cur.executemany("INSERT INTO g_judge VALUES (%s, %s)", list(versions.items()))

    # ---------------------------------------------------------------- learners
    with Phase("users, profiles, guardians", total=P) as ph:
        zones = "ARRAY[" + ",".join(f"'{z}'" for z, w in TIME_ZONES for _ in range(w)) + "]"
        run(
            cur,
            f"""CREATE TEMP TABLE g_learner AS
                SELECT n, (mod(n, {CHILD_EVERY}) = 0) AS is_child,
                       ({zones})[1 + floor(random() * {sum(w for _, w in TIME_ZONES)})::int] AS tz,
                       now() - interval '{WINDOW_DAYS + 1} days' - random() * interval '300 days' AS joined,
                       random() AS r_public, random() AS r_order
                  FROM generate_series(1, %s) n""",
            [P],
        )
        # Activity rank is unrelated to signup order; 70% active, Zipf-like share 1/(rank+50).
        cur.execute(
            """CREATE TEMP TABLE g_active AS
                WITH ranked AS (SELECT n, row_number() OVER (ORDER BY r_order) AS arank FROM g_learner),
                     act AS (SELECT n, arank, 1.0 / (arank + 50) AS w FROM ranked WHERE arank <= %s),
                     tot AS (SELECT sum(w) AS w FROM act)
                SELECT a.n, a.arank, floor(%s * a.w / t.w + random())::int AS n_subs
                  FROM act a, tot t""",
            [int(P * ACTIVE_SHARE), S],
        )
        cur.execute("ALTER TABLE g_learner ADD PRIMARY KEY (n)")
        run(
            cur,
            """INSERT INTO accounts_user (id, password, last_login, is_superuser, email, is_active, is_staff, date_joined)
               SELECT n, %s, NULL, false, 'learner' || n || '@bench.learnloop.test', true, false, joined
                 FROM g_learner WHERE NOT is_child ORDER BY g_learner.n""",
            [UNUSABLE_PASSWORD],
        )
        run(
            cur,
            """INSERT INTO accounts_profile (id, user_id, created_by_id, display_name, time_zone, avatar_emoji,
                                             avatar_colour, show_on_leaderboards, created_at, updated_at)
               SELECT n, CASE WHEN is_child THEN NULL ELSE n END, CASE WHEN is_child THEN n - 1 END,
                      CASE WHEN is_child THEN 'Kid ' ELSE 'Learner ' END || n, tz, '',
                      (ARRAY['#4f46e5','#0891b2','#16a34a','#ca8a04','#dc2626','#db2777','#7c3aed','#475569'])[1 + mod(n, 8)],
                      CASE WHEN is_child THEN r_public < 0.25 ELSE r_public >= 0.05 END,
                      joined, joined
                 FROM g_learner ORDER BY g_learner.n""",
            phase=ph,
        )
        run(
            cur,
            """INSERT INTO accounts_profilelink (user_id, profile_id, role, origin, created_at)
               SELECT n - 1, n, 'parent', 'created', joined FROM g_learner WHERE is_child""",
        )
        for table in ("accounts_user", "accounts_profile"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")

    # ---------------------------------------------------------------- submissions
    with Phase("submissions: draw (temp)", total=S) as ph:
        # Raw draws, then per (learner, problem) pair: first answer time, first correct time.
        run(
            cur,
            """CREATE TEMP TABLE g_raw AS
               SELECT a.n AS profile_id,
                      1 + floor(%s * power(random(), 1.5))::int AS prank,
                      random() < 0.5 AS ok,
                      now() - random() * interval '60 days' AS ts,
                      1 + floor(random() * %s)::int AS k
                 FROM g_active a, generate_series(1, a.n_subs) g""",
            [n_problems, ANSWERS_PER_KIND],
            phase=ph,
        )
    with Phase("submissions: pair windows (temp)", total=S) as ph:
        # opened_at = first answer minus a per-pair 20–600 s "reading time" (deterministic hash),
        # so seconds_taken = created_at − opened_at exactly as submission_create computes it.
        run(
            cur,
            """CREATE TEMP TABLE g_sub AS
               SELECT row_number() OVER (ORDER BY ts)::bigint AS id, *
                 FROM (SELECT r.profile_id, p.id AS problem_id, r.ok, r.ts, r.k, p.base_points, p.time_bonus_points,
                              p.win, p.judge_kind,
                              min(r.ts) OVER pair - make_interval(secs => 20 + mod(abs(hashtext(r.profile_id || ':' || p.id)), 580)) AS opened_at,
                              min(r.ts) FILTER (WHERE r.ok) OVER pair AS solved_at
                         FROM g_raw r JOIN g_problem p ON p.rank = r.prank
                       WINDOW pair AS (PARTITION BY r.profile_id, p.id)) s
                ORDER BY ts""",
            phase=ph,
        )
        cur.execute("DROP TABLE g_raw")
        cur.execute("CREATE INDEX ON g_sub USING brin (id)")
        cur.execute("ANALYZE g_sub")
        cur.execute("SELECT count(*), count(*) FILTER (WHERE ok AND ts = solved_at) FROM g_sub")
        n_subs, n_first = cur.fetchone()

    rebuild = []
    if not args.live_indexes:
        with Phase("drop plain secondary indexes") as ph:
            rebuild = secondary_indexes(cur, BULK_TABLES)
            for name, _definition in rebuild:
                cur.execute(f'DROP INDEX "{name}"')
            ph.add(len(rebuild))
    chunk = 250_000
    with Phase("submissions: insert" + (" (all indexes live)" if args.live_indexes else ""), total=n_subs) as ph:
        for lo in range(1, n_subs + 1, chunk):
            run(
                cur,
                """INSERT INTO learning_submission (id, profile_id, problem_id, answer, is_correct, score, feedback,
                                                    judge_name, judge_version, seconds_taken, points_awarded,
                                                    is_first_solve, practice_session_id, idempotency_key, created_at)
                   SELECT s.id, s.profile_id, s.problem_id, a.answer, a.correct, a.score, a.feedback,
                          s.judge_kind, j.version, x.secs,
                          CASE WHEN x.first THEN s.base_points
                               + round(s.time_bonus_points * greatest(0.0, 1.0 - x.secs::float8 / s.win))::int
                               ELSE 0 END,
                          x.first, NULL, NULL, s.ts
                     FROM g_sub s
                     CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM s.ts - s.opened_at))::int AS secs,
                                                (s.ok AND s.ts = s.solved_at) AS first) x
                     JOIN g_answer a ON a.problem_id = s.problem_id AND a.ok = s.ok AND a.k = s.k
                     JOIN g_judge j ON j.kind = s.judge_kind
                    WHERE s.id BETWEEN %s AND %s
                    ORDER BY s.id""",
                [lo, lo + chunk - 1],
                phase=ph,
            )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('learning_submission', 'id'), (SELECT max(id) FROM learning_submission))"
        )

    # ---------------------------------------------------------------- derived rows
    with Phase("problem progress") as ph:
        # attempts = answers; completed at the first solve; time spent frozen at completion;
        # best = first correct answer, else the first answer; version = 1 + attempts.
        run(
            cur,
            """INSERT INTO learning_problemprogress (profile_id, problem_id, status, attempts, opened_at, first_attempt_at,
                                                     completed_at, time_spent_seconds, best_submission_id,
                                                     points_earned, version, updated_at)
               SELECT s.profile_id, s.problem_id,
                      CASE WHEN bool_or(s.is_first_solve) THEN 'completed' ELSE 'in_progress' END,
                      count(*),
                      -- the same per-pair reading time the submissions were drawn with
                      min(s.created_at) - make_interval(secs => 20 + mod(abs(hashtext(s.profile_id || ':' || s.problem_id)), 580)),
                      min(s.created_at),
                      min(s.created_at) FILTER (WHERE s.is_first_solve),
                      -- seconds_taken grows with each answer of a pair, so the last one is the max
                      coalesce(max(s.seconds_taken) FILTER (WHERE s.is_first_solve), max(s.seconds_taken)),
                      coalesce(min(s.id) FILTER (WHERE s.is_first_solve), min(s.id)),
                      sum(s.points_awarded), 1 + count(*), max(s.created_at)
                 FROM learning_submission s
                GROUP BY s.profile_id, s.problem_id""",
            phase=ph,
        )
    with Phase("XP ledger (first solves)") as ph:
        run(
            cur,
            """INSERT INTO gamification_xpentry (profile_id, amount, reason, source, earned_on, created_at)
               SELECT s.profile_id, s.points_awarded, 'first_solve', 'first-solve:' || s.problem_id,
                      (s.created_at AT TIME ZONE l.tz)::date, s.created_at
                 FROM learning_submission s JOIN g_learner l ON l.n = s.profile_id
                WHERE s.is_first_solve AND s.points_awarded > 0
                ORDER BY s.id""",
            phase=ph,
        )
    with Phase("activity days") as ph:
        run(
            cur,
            """INSERT INTO gamification_activityday (profile_id, day, is_frozen, created_at)
               SELECT g.profile_id, (g.ts AT TIME ZONE l.tz)::date, false, min(g.ts)
                 FROM g_sub g JOIN g_learner l ON l.n = g.profile_id
                GROUP BY 1, 2
                ORDER BY 4""",
            phase=ph,
        )

    if rebuild:
        with Phase(f"rebuild {len(rebuild)} secondary indexes") as ph:
            for _name, definition in rebuild:
                cur.execute(definition)
                ph.add(1)
    with Phase("profile stats (streak replay)") as ph:
        badges = list(Badge.objects.all())
        cur.execute(
            """SELECT profile_id, sum(amount), count(*) FILTER (WHERE reason = 'first_solve'), max(created_at)
                 FROM gamification_xpentry GROUP BY profile_id"""
        )
        ledger = {pid: (xp, solved, reached) for pid, xp, solved, reached in cur.fetchall()}
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
            ph.add(len(rows))
        with pg.copy("COPY gamification_activityday (profile_id, day, is_frozen, created_at) FROM STDIN") as copy:
            for pid, day in frozen:
                copy.write_row((pid, day, True, f"{day} 12:00:00+00"))
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
        with pg.copy(f"COPY gamification_profilestats ({', '.join(columns)}) FROM STDIN") as copy:
            for pid in sorted(set(states) | set(ledger)):
                xp, solved, reached = ledger.get(pid, (0, 0, None))
                st = states.get(pid, StreakState())
                badge = badge_for(badges, xp, solved)
                row = [
                    pid,
                    xp,
                    level_for_xp(xp),
                    solved,
                    st.current,
                    st.longest,
                    st.last_active_on,
                    st.freezes,
                    badge.pk if badge else None,
                    reached,
                    "now",
                ]
                if has_markers:
                    row += [st.longest, public[pid]]
                copy.write_row(row)
        frozen_count = len(frozen)

    cur.execute("ANALYZE")
    with Phase("leaderboards") as ph:
        board_note = build_boards(cur, ph)

    with Phase("vacuum analyze" if not args.no_vacuum else "analyze"):
        for table in (
            "learning_submission",
            "learning_problemprogress",
            "gamification_xpentry",
            "gamification_activityday",
            "gamification_profilestats",
            "gamification_boardentry",
            "accounts_profile",
            "accounts_user",
        ):
            cur.execute(f"{'ANALYZE' if args.no_vacuum else 'VACUUM (ANALYZE)'} {table}")

    total = time.monotonic() - t_all
    cur.execute(
        """SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM accounts_profile),
                  (SELECT count(*) FROM accounts_profile WHERE user_id IS NULL),
                  (SELECT count(*) FROM learning_problem), (SELECT count(*) FROM learning_submission),
                  (SELECT count(*) FROM learning_problemprogress),
                  (SELECT count(*) FROM learning_problemprogress WHERE status = 'completed'),
                  (SELECT count(*) FROM gamification_xpentry), (SELECT count(*) FROM gamification_activityday),
                  (SELECT count(*) FROM gamification_profilestats), (SELECT count(*) FROM gamification_boardentry),
                  (SELECT max(c) FROM (SELECT count(*) c FROM learning_submission GROUP BY profile_id) x),
                  (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY c)
                     FROM (SELECT count(*) c FROM learning_submission GROUP BY profile_id) x),
                  pg_database_size(current_database())"""
    )
    (
        users,
        profiles,
        children,
        problems,
        subs,
        progress,
        completed,
        xp,
        days,
        stats,
        boards,
        busiest,
        median,
        dbsize,
    ) = cur.fetchone()
    print()
    print(f"Generated {P:,} profiles / {S:,} requested submissions (seed {args.seed}) in {total:.1f} s")
    print()
    print("| phase | rows | seconds |")
    print("|---|---:|---:|")
    for name, rows, seconds in Phase.log:
        print(f"| {name} | {rows:,} | {seconds:.1f} |")
    print(f"| **total** | | **{total:.1f}** |")
    print()
    print("| what | count |")
    print("|---|---:|")
    for label, value in [
        ("users", users),
        ("profiles (managed children)", f"{profiles:,} ({children:,})"),
        ("problems", problems),
        ("submissions", subs),
        ("first solves (paid, = XP entries)", xp),
        ("progress rows (completed)", f"{progress:,} ({completed:,})"),
        ("activity days (frozen)", f"{days:,} ({frozen_count:,})"),
        ("profile stats rows", stats),
        ("board entries", boards),
        ("busiest / median active learner (submissions)", f"{busiest:,} / {median:,}"),
    ]:
        print(f"| {label} | {value:,} |" if isinstance(value, int) else f"| {label} | {value} |")
    print(f"| boards | {board_note} |")
    print()
    print("| table | rows (est.) | heap MB | indexes MB | total MB |")
    print("|---|---:|---:|---:|---:|")
    for name, rows, heap, idx, tot in table_sizes(cur):
        print(f"| {name} | {rows:,} | {mb(heap)} | {mb(idx)} | {mb(tot)} |")
    print(f"| database | | | | {mb(dbsize)} |")


def build_boards(cur, ph):
    """leaderboards_refresh() when the leaderboard work has landed; else the same rows set-wise."""
    from gamification import leaderboards

    refresh = getattr(leaderboards, "leaderboards_refresh", None)
    failure = ""
    if refresh is not None:
        try:
            results = refresh()
        except Exception as error:  # the leaderboard work may still be in progress
            failure = f"leaderboards_refresh() failed ({type(error).__name__}: {error}); "
            print(f"\n  ! {failure}building the boards set-wise instead", file=sys.stderr)
        else:
            cur.execute("SELECT count(*) FROM gamification_boardentry")
            ph.add(cur.fetchone()[0])
            return f"leaderboards_refresh(): {len(results)} board(s)"
    # Fallback (contract not implemented yet): UTC ISO week / month, public flag from the profile,
    # XP from the ledger in the period, ties by longest streak then who reached the XP first.
    from datetime import date

    all_time = getattr(leaderboards, "ALL_TIME_PERIOD", date(2000, 1, 1))
    for board, start_sql, period in (
        ("all", "%s::date", [all_time]),
        ("week", "date_trunc('week', now() AT TIME ZONE 'UTC')::date", []),
        ("month", "date_trunc('month', now() AT TIME ZONE 'UTC')::date", []),
    ):
        where = "" if board == "all" else f"WHERE (x.created_at AT TIME ZONE 'UTC') >= {start_sql}"
        run(
            cur,
            f"""INSERT INTO gamification_boardentry (board, period_start, profile_id, xp, longest_streak, reached_at, is_public)
                SELECT %s, {start_sql}, x.profile_id, sum(x.amount), st.longest_streak, max(x.created_at),
                       p.show_on_leaderboards
                  FROM gamification_xpentry x
                  JOIN gamification_profilestats st ON st.profile_id = x.profile_id
                  JOIN accounts_profile p ON p.id = x.profile_id
                  {where}
                 GROUP BY x.profile_id, st.longest_streak, p.show_on_leaderboards""",
            [board, *period],
            phase=ph,
        )
    return failure + "built set-wise" + ("" if failure else " (leaderboards_refresh() not implemented yet)")


if __name__ == "__main__":
    main()
