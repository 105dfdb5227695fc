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
days are exactly what the live path would have written), and the boards as
gamification.board_refresh.leaderboards_refresh() reconciles them (gen_derive.build_boards).

How it is fast (≤ 5 min at 100k/5M on 2 cores; 556 s before): all random draws happen in one
session, into narrow staging tables (schema bench_gen, UNLOGGED, dropped at the end). One
window pass over the draws gives every answer its id (time order) and its pair's facts (first
answer, first correct answer, last answer, attempts), so submissions, progress rows and the XP
ledger are each one filter over that narrow table instead of a GROUP BY over the wide
submission heap; activity days and the streak replay need only the draws and run while that
pass does. The big tables load without their secondary indexes, unique constraints and
foreign keys (primary keys and checks stay live, so no per-row trigger events); those come back
afterwards with the catalog's own definitions (sorted index builds, FKs added NOT VALID and
then VALIDATEd), and the whole schema must equal what `migrate` made (gen_schema.py). Loads,
index builds, validations, the replay and the boards run as tasks on two sessions in parallel,
each starting when its inputs are ready and its tables free (gen_tasks.py, gen_derive.py).

`manage.py check_integrity` on the result reports no drift. The database must be empty (a
fresh `createdb`); --recreate drops and recreates it first (only for names containing "bench").
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

from gen_derive import (  # noqa: E402
    LEDGER_SQL,
    PROGRESS_SQL,
    STAGE,
    boards_task,
    chunked,
    days_task,
    facts_task,
    replay_task,
    run,
    stats_task,
    submissions_task,
    vacuum_task,
)
from gen_report import report  # noqa: E402
from gen_schema import fingerprint, fingerprint_diff, restore_tasks, strip  # noqa: E402
from gen_tasks import LOG, T0, Phase, Task, run_tasks  # noqa: E402

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
BULK_TABLES = ("learning_submission", "learning_problemprogress", "gamification_xpentry", "gamification_activityday")
WORKERS = 2  # parallel sessions (the machine has 2 cores)
SESSION = (
    "SET synchronous_commit = off",
    "SET work_mem = '1GB'",
    "SET maintenance_work_mem = '1GB'",
    "SET max_parallel_workers_per_gather = 0",  # main: one deterministic stream of random()
    "SET max_parallel_maintenance_workers = 0",  # workers: the two sessions are the parallelism
    "SET jit = off",
)


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


# --------------------------------------------------------------------------- content
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


# --------------------------------------------------------------------------- main
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
        help="Keep every index and constraint live during the bulk inserts (slower, and the loads then run "
        "one after the other). By default the secondary indexes, unique constraints and foreign keys of the four "
        "big tables come off before the load and go back, identical and validated, after it; primary keys and "
        "checks stay live throughout.",
    )
    parser.add_argument("--no-vacuum", action="store_true", help="Only ANALYZE at the end, no VACUUM.")
    parser.add_argument("--workers", type=int, default=WORKERS, help="Parallel sessions for the load (default 2).")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://…/learnloop_bench (PostgreSQL only).")
    if args.recreate:
        with Phase("recreate database"):
            recreate_database(url)

    import django

    django.setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from psycopg.types.json import Jsonb

    from accounts.models import User
    from gamification.models import Badge

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
    schema = fingerprint(cur)  # what the migrations made; required again at the end
    for sql in SESSION:
        cur.execute(sql)
    cur.execute("SELECT setseed(%s)", [((args.seed * 7919) % 1000) / 1000.0 - 0.5])
    cur.execute(f"DROP SCHEMA IF EXISTS {STAGE} CASCADE")
    cur.execute(f"CREATE SCHEMA {STAGE}")

    # ---------------------------------------------------------------- problems and answers
    with Phase("problems and example answers") as ph:
        run(
            cur,
            f"""CREATE UNLOGGED TABLE {STAGE}.problem AS
               SELECT row_number() OVER (ORDER BY m.display_order, p.display_order, p.slug)::int AS rank,
                      p.id, p.judge_kind, p.base_points, p.time_bonus_points, p.time_bonus_window_seconds AS win
                 FROM learning_problem p JOIN learning_module m ON m.id = p.module_id""",
            phase=ph,
        )
        cur.execute(f"ALTER TABLE {STAGE}.problem ADD PRIMARY KEY (id)")
        cur.execute(f"CREATE UNIQUE INDEX ON {STAGE}.problem (rank)")
        cur.execute(
            f"CREATE UNLOGGED TABLE {STAGE}.answer (problem_id bigint, ok bool, k int, answer jsonb, correct bool,"
            " score int, feedback text, PRIMARY KEY (problem_id, ok, k))"
        )
        with pg.copy(f"COPY {STAGE}.answer FROM STDIN") as copy:
            for problem_id, ok, k, answer, correct, score, feedback in answers:
                copy.write_row((problem_id, ok, k, Jsonb(answer), correct, score, feedback))
        ph.add(len(answers))
        cur.execute(f"SELECT count(*) FROM {STAGE}.problem")
        n_problems = cur.fetchone()[0]
        cur.execute(f"SELECT DISTINCT judge_kind FROM {STAGE}.problem")
        versions = {kind: _judges.get_judge(kind).version for (kind,) in cur.fetchall()}
        cur.execute(f"CREATE UNLOGGED TABLE {STAGE}.judge (kind text PRIMARY KEY, version text)")
        cur.executemany(f"INSERT INTO {STAGE}.judge VALUES (%s, %s)", list(versions.items()))

    # ---------------------------------------------------------------- learners
    with Phase("users, profiles, guardians", total=P) as ph:
        zones = "ARRAY[" + ",".join(f"'{z}'" for z, w in TIME_ZONES for _ in range(w)) + "]"
        run(
            cur,
            f"""CREATE UNLOGGED TABLE {STAGE}.learner AS
                SELECT n, (mod(n, {CHILD_EVERY}) = 0) AS is_child,
                       ({zones})[1 + floor(random() * {sum(w for _, w in TIME_ZONES)})::int] AS tz,
                       now() - interval '{WINDOW_DAYS + 1} days' - random() * interval '300 days' AS joined,
                       random() AS r_public, random() AS r_order
                  FROM generate_series(1, %s) n""",
            [P],
        )
        # Activity rank is unrelated to signup order; 70% active, Zipf-like share 1/(rank+50).
        cur.execute(
            f"""CREATE TEMP TABLE g_active AS
                WITH ranked AS (SELECT n, row_number() OVER (ORDER BY r_order) AS arank FROM {STAGE}.learner),
                     act AS (SELECT n, arank, 1.0 / (arank + 50) AS w FROM ranked WHERE arank <= %s),
                     tot AS (SELECT sum(w) AS w FROM act)
                SELECT a.n, a.arank, floor(%s * a.w / t.w + random())::int AS n_subs
                  FROM act a, tot t""",
            [int(P * ACTIVE_SHARE), S],
        )
        cur.execute(f"ALTER TABLE {STAGE}.learner ADD PRIMARY KEY (n)")
        run(
            cur,
            f"""INSERT INTO accounts_user (id, password, last_login, is_superuser, email, is_active, is_staff, date_joined)
               SELECT n, %s, NULL, false, 'learner' || n || '@bench.learnloop.test', true, false, joined
                 FROM {STAGE}.learner g WHERE NOT is_child ORDER BY g.n""",
            [UNUSABLE_PASSWORD],
        )
        run(
            cur,
            f"""INSERT INTO accounts_profile (id, user_id, created_by_id, display_name, time_zone, avatar_emoji,
                                             avatar_colour, show_on_leaderboards, created_at, updated_at)
               SELECT n, CASE WHEN is_child THEN NULL ELSE n END, CASE WHEN is_child THEN n - 1 END,
                      CASE WHEN is_child THEN 'Kid ' ELSE 'Learner ' END || n, tz, '',
                      (ARRAY['#4f46e5','#0891b2','#16a34a','#ca8a04','#dc2626','#db2777','#7c3aed','#475569'])[1 + mod(n, 8)],
                      CASE WHEN is_child THEN r_public < 0.25 ELSE r_public >= 0.05 END,
                      joined, joined
                 FROM {STAGE}.learner g ORDER BY g.n""",
            phase=ph,
        )
        run(
            cur,
            f"""INSERT INTO accounts_profilelink (user_id, profile_id, role, origin, created_at)
               SELECT n - 1, n, 'parent', 'created', joined FROM {STAGE}.learner WHERE is_child""",
        )
        for table in ("accounts_user", "accounts_profile"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE accounts_user, accounts_profile, accounts_profilelink")

    # ---------------------------------------------------------------- submissions (staging)
    with Phase("submissions: draw (staging)", total=S) as ph:
        n_subs = run(
            cur,
            f"""CREATE UNLOGGED TABLE {STAGE}.raw AS
               SELECT a.n AS profile_id,
                      1 + floor(%s * power(random(), 1.5))::int AS prank,
                      random() < 0.5 AS ok,
                      now() - random() * interval '60 days' AS ts,
                      1 + floor(random() * %s)::int AS k
                 FROM g_active a, generate_series(1, a.n_subs) g""",
            [n_problems, ANSWERS_PER_KIND],
            phase=ph,
        )
        cur.execute("DROP TABLE g_active")
        cur.execute(f"ANALYZE {STAGE}.raw, {STAGE}.learner, {STAGE}.problem, {STAGE}.answer, {STAGE}.judge")

    # ---------------------------------------------------------------- load, in parallel sessions
    plan = {table: {"fks": [], "uniques": [], "indexes": []} for table in BULK_TABLES}
    if not args.live_indexes:
        with Phase("take off indexes, uniques, foreign keys") as ph:
            plan = strip(cur, BULK_TABLES)
            ph.add(sum(len(v) for what in plan.values() for v in what.values()))
    badges = list(Badge.objects.all())
    facts = Task("submissions: pair facts (staging)", facts_task, excl={f"{STAGE}.sub"}, total=n_subs)
    days = Task("activity days", days_task, excl={"gamification_activityday"})
    replay = Task("streak replay", replay_task, deps=[days], excl={"gamification_activityday"})
    submissions = Task(
        "submissions: insert", submissions_task(n_subs), deps=[facts], excl={"learning_submission"}, total=n_subs
    )
    after = [facts, submissions] if args.live_indexes else [facts]  # live FKs: progress needs its submissions
    progress = Task(
        "problem progress", chunked(PROGRESS_SQL, n_subs), deps=after, excl={"learning_problemprogress"}, total=n_subs
    )
    ledger = Task(
        "XP ledger (first solves)", chunked(LEDGER_SQL, n_subs), deps=after, excl={"gamification_xpentry"}, total=n_subs
    )
    stats = Task(
        "profile stats",
        stats_task(badges, replay),
        deps=[ledger, replay],
        excl={"gamification_profilestats"},
        shared={"gamification_xpentry"},
    )
    loads = {
        "learning_submission": [submissions],
        "learning_problemprogress": [progress],
        "gamification_xpentry": [ledger],
        "gamification_activityday": [days, replay],
    }
    restore, finish = restore_tasks(plan, loads, vacuum=not args.no_vacuum)
    boards = Task(
        "leaderboards",
        boards_task(),
        deps=[stats, finish["gamification_xpentry"]],
        excl={"gamification_boardentry", "gamification_profilestats"},
        shared={"gamification_xpentry"},
    )
    small = ["gamification_profilestats", "gamification_boardentry", "gamification_boardscorecount"]
    small += ["accounts_profile", "accounts_user", "accounts_profilelink", "learning_problem", "learning_module"]
    tail = Task(
        "vacuum analyze (small tables)" if not args.no_vacuum else "analyze (small tables)",
        vacuum_task(small, not args.no_vacuum),
        deps=[boards],
        excl=set(small),
    )
    tasks = [facts, days, submissions, progress, ledger, replay, stats, *restore, boards, *finish.values(), tail]

    def connect():
        conn = psycopg.connect(url, autocommit=True)
        for sql in SESSION:
            conn.execute(sql)
        return conn

    began = time.monotonic()
    run_tasks(tasks, connect, workers=args.workers)
    # One line for the whole parallel part; listed (by start) just before its tasks.
    name = f"parallel part, wall clock ({len(tasks)} tasks below on {args.workers} sessions)"
    LOG.append((name, 0, began - T0 - 1e-6, time.monotonic() - began))

    with Phase("check schema, drop staging"):
        diff = fingerprint_diff(schema, fingerprint(cur))
        if diff:
            sys.exit("The schema differs from what migrate made:\n  " + "\n  ".join(diff))
        cur.execute(f"DROP SCHEMA {STAGE} CASCADE")

    total = time.monotonic() - T0
    report(cur, args, total, replay.frozen, boards.note)


if __name__ == "__main__":
    main()
