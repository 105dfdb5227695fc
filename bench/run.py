#!/usr/bin/env python
# ruff: noqa: E501 (long SQL and table rows read better unbroken)
"""Measure Learnloop on a generated bench database and print one Markdown table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/learnloop_bench .venv/bin/python bench/run.py [--requests N]

Sections (each prints "n/a (why)" instead of crashing when the code under test is missing or
fails): board refresh; boards = ledger; top-100 and my-rank (wall per call and database
execution time from EXPLAIN (ANALYZE)); dashboard; the submit path (real submission_create
calls, queries counted with CaptureQueriesContext); own-rank freshness after an award; boards =
ledger again after all those live writes; gunicorn throughput of /healthz and of the submit
API. The run writes (submissions, tokens): use a bench database, never a real one.
"""

import argparse
import os
import random
import statistics
import sys
import threading
import time

from run_common import (
    ROWS,
    captured,
    example_answers,
    explain_ms,
    explain_text,
    guarded,
    machine,
    ms,
    open_problem_ids,
    pct,
    row,
    verdict,
)
from run_http import gunicorn_throughput


# --------------------------------------------------------------------------- sections
@guarded("leaderboards")
def refresh_timing(reps):
    from gamification.board_refresh import leaderboards_refresh

    times, last = [], None
    for _ in range(reps):
        began = time.perf_counter()
        last = leaderboards_refresh()
        times.append(time.perf_counter() - began)
    detail = ", ".join(f"{r.board} {r.rows:,} rows {r.seconds:.2f} s" for r in last)
    med = statistics.median(times)
    row(
        "leaderboards",
        f"refresh of all three boards, leaderboards_refresh() (median of {reps}; first {times[0]:.2f} s)",
        f"{med:.2f} s ({detail})",
        "≤ 2 s (baseline 21 s)",
        verdict(med <= 2),
    )
    return last


@guarded("leaderboards")
def boards_equal_ledger(label):
    from gamification.board_refresh import leaderboard_from_ledger
    from gamification.leaderboards import leaderboard_page
    from gamification.models import Board

    checked = mismatched = 0
    for board in Board.values:
        expected = leaderboard_from_ledger(board)
        rows, total = leaderboard_page(board, page=1, per_page=max(1, len(expected)) + 1000)
        shown = {r.profile_id: (r.xp, r.rank) for r in rows}
        want = {pid: (xp, rank) for pid, xp, rank in expected}
        keys = set(shown) | set(want)
        checked += len(keys)
        mismatched += sum(1 for k in keys if shown.get(k) != want.get(k))
        if total != len(want):
            mismatched += 1
    row(
        "leaderboards",
        f"boards = leaderboard_from_ledger(), {label}",
        f"{checked:,} rows checked, {mismatched:,} mismatches",
        "100 % of rows",
        verdict(mismatched == 0),
    )


@guarded("leaderboards")
def top100(n):
    from gamification.leaderboards import leaderboard_page
    from gamification.models import Board

    for board in Board.values:
        wall = []
        for _ in range(n):
            began = time.perf_counter()
            leaderboard_page(board, page=1)
            wall.append(time.perf_counter() - began)
        _, sqls = captured(leaderboard_page, board, page=1)
        per_query = [[explain_ms(sql) for _ in range(max(20, n // 5))] for sql in sqls]
        db = [sum(parts) for parts in zip(*per_query, strict=True)]
        parts = " + ".join(f"{statistics.median(q):.3f}" for q in per_query)
        med, p99 = statistics.median(db), pct(db, 99)
        row(
            "leaderboards",
            f"top-100 `{board}`: wall per call median / p99 ms ({len(sqls)} queries)",
            f"{ms(statistics.median(wall))} / {ms(pct(wall, 99))}",
        )
        row(
            "leaderboards",
            f"top-100 `{board}`: DB execution median / p99 ms (page + total: {parts})",
            f"{med:.3f} / {p99:.3f}",
            "≤ 1 ms median",
            verdict(med <= 1),
        )


@guarded("leaderboards")
def my_rank(n):
    from gamification.leaderboards import leaderboard_rank
    from gamification.models import Board, BoardEntry

    rng = random.Random(7)
    for board in Board.values:
        ids = list(BoardEntry.objects.filter(board=board).values_list("profile_id", flat=True))
        sample = rng.sample(ids, min(n, len(ids)))
        wall, db = [], []
        for pid in sample:
            began = time.perf_counter()
            leaderboard_rank(board, pid)
            wall.append(time.perf_counter() - began)
        for pid in sample[: max(50, n // 2)]:
            _, sqls = captured(leaderboard_rank, board, pid)
            db.append(sum(explain_ms(sql) for sql in sqls))
        med, p99 = statistics.median(db), pct(db, 99)
        row(
            "leaderboards",
            f"my rank `{board}`: wall per call median / p99 ms ({len(sample)} random learners)",
            f"{ms(statistics.median(wall))} / {ms(pct(wall, 99))}",
        )
        row(
            "leaderboards",
            f"my rank `{board}`: DB execution median / p99 ms ({len(db)} learners, one query: entry, score-count sums and ties)",
            f"{med:.3f} / {p99:.3f}",
            "≤ 2 ms median, ≤ 10 ms p99",
            verdict(med <= 2 and p99 <= 10),
        )


def slowest_rank_plan():
    """EXPLAIN of the count query for the learner with the most entries ahead (the worst case)."""
    from gamification.leaderboards import leaderboard_rank
    from gamification.models import Board, BoardEntry

    last = BoardEntry.objects.filter(board=Board.ALL_TIME, is_public=True).order_by("xp", "-reached_at").first()
    if last is None:
        return ""
    _, sqls = captured(leaderboard_rank, Board.ALL_TIME, last.profile_id)
    return explain_text(sqls[-1])


def completed_module_plan():
    from gamification.models import ProfileStats
    from learning.selectors import completed_module_count

    pid = ProfileStats.objects.filter(total_xp__gt=0).values_list("profile_id", flat=True).first()
    from accounts.models import Profile

    _, sqls = captured(completed_module_count, Profile.objects.get(pk=pid))
    return explain_text(sqls[0]) if sqls else "(no query captured)"


@guarded("dashboard")
def dashboard():
    from django.db import connection

    from accounts.models import Profile
    from learning.dashboard import dashboard_for

    with connection.cursor() as cur:
        cur.execute(
            """WITH c AS (SELECT profile_id, count(*) n FROM learning_submission GROUP BY profile_id)
               SELECT (SELECT profile_id FROM c ORDER BY n DESC LIMIT 1),
                      (SELECT profile_id FROM c ORDER BY n OFFSET (SELECT count(*) / 2 FROM c) LIMIT 1),
                      (SELECT max(n) FROM c),
                      (SELECT n FROM c ORDER BY n OFFSET (SELECT count(*) / 2 FROM c) LIMIT 1)"""
        )
        busiest, median_id, busiest_n, median_n = cur.fetchone()
    for label, pid, count in (("busiest", busiest, busiest_n), ("median", median_id, median_n)):
        profile = Profile.objects.get(pk=pid)
        times, queries = [], 0
        for _ in range(7):
            began = time.perf_counter()
            _, sqls = captured(dashboard_for, profile)
            times.append(time.perf_counter() - began)
            queries = len(sqls)
        row(
            "dashboard",
            f"dashboard_for() {label} learner ({count:,} submissions): median ms, queries",
            f"{ms(statistics.median(times))} ms, {queries} queries",
            "≤ 20 queries",
            verdict(queries <= 20),
        )


@guarded("submit")
def submit_path(n):
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Profile
    from gamification.models import ProfileStats
    from learning.models import Problem, ProblemProgress, ProgressStatus
    from learning.services.submissions import problem_open, submission_create

    rng = random.Random(11)
    answers = example_answers()
    allowed = [pk for pk in open_problem_ids() if pk in answers]
    problems = {p.pk: p for p in Problem.objects.filter(pk__in=allowed).select_related("module")}
    active = list(ProfileStats.objects.filter(total_xp__gt=0).values_list("profile_id", flat=True))
    # Clients open a problem (the page does on view, API clients call problem-start) before they
    # answer it; the last case is an API client that skips that, so the row is made on submit.
    cases = {
        "first solve (correct, unsolved problem)": [],
        "wrong answer (unsolved problem)": [],
        "answer to a solved problem (0 XP)": [],
        "first solve of a problem never opened": [],
    }
    queries = {k: [] for k in cases}
    per_sql = {k: {} for k in cases}
    for _ in range(n):
        for case in cases:
            for _attempt in range(20):
                profile = Profile.objects.get(pk=rng.choice(active))
                solved = set(
                    ProblemProgress.objects.filter(profile=profile, status=ProgressStatus.COMPLETED).values_list(
                        "problem_id", flat=True
                    )
                )
                if case.startswith("answer to a solved"):
                    pool = [pk for pk in solved if pk in problems]
                elif case.endswith("never opened"):
                    seen = set(ProblemProgress.objects.filter(profile=profile).values_list("problem_id", flat=True))
                    pool = [pk for pk in allowed if pk not in seen]
                else:
                    pool = [pk for pk in allowed if pk not in solved]
                if pool:
                    break
            problem = problems[rng.choice(pool)]
            correct, incorrect = answers[problem.pk]
            answer = rng.choice(incorrect if case.startswith("wrong") else correct)
            if not case.endswith("never opened"):
                problem_open(profile=profile, problem=problem)
            began = time.perf_counter()
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as ctx:
                result = submission_create(profile=profile, problem=problem, answer=answer)
            cases[case].append(time.perf_counter() - began)
            sqls = [q["sql"] for q in ctx.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
            for q in ctx.captured_queries:
                per_sql[case].setdefault(q["sql"][:90], []).append(float(q["time"]))
            queries[case].append(len(sqls))
            expect_first = case.startswith("first")
            if result.is_first_solve != expect_first:
                raise AssertionError(f"{case}: is_first_solve={result.is_first_solve}")
    for case, times in cases.items():
        q = queries[case]
        slow = sorted(((statistics.median(t), sql) for sql, t in per_sql[case].items()), reverse=True)[:1]
        if slow:
            row(
                "submit",
                f"slowest query on the path, {case}: median ms",
                f"{slow[0][0] * 1000:.1f} ms: `{slow[0][1]}…`",
            )
        row(
            "submit",
            f"submission_create, {case}: median / p95 ms; statements median (max), BEGIN and COMMIT not counted",
            f"{ms(statistics.median(times))} / {ms(pct(times, 95))}; {statistics.median(q):g} ({max(q)})",
            "≤ 15 queries",
            verdict(max(q) <= 15),
        )
    return Q  # unused


@guarded("submit")
def lock_check(n):
    """missing_prerequisites() (run on every submit) for modules that have prerequisites: the
    bench's submit cases use modules without any, so this is measured on its own."""
    from accounts.models import Profile
    from gamification.models import ProfileStats
    from learning.models import Module
    from learning.selectors import completed_module_count, missing_prerequisites

    rng = random.Random(17)
    modules = list(Module.objects.filter(prerequisites__isnull=False).distinct())
    active = list(ProfileStats.objects.filter(total_xp__gt=0).values_list("profile_id", flat=True))
    for label, fn in (
        (
            "missing_prerequisites() on a module with prerequisites",
            lambda p: missing_prerequisites(p, rng.choice(modules)),
        ),
        ("completed_module_count() (first solves only)", completed_module_count),
    ):
        wall, db = [], []
        for _ in range(n):
            profile = Profile.objects.get(pk=rng.choice(active))
            began = time.perf_counter()
            _, sqls = captured(fn, profile)
            wall.append(time.perf_counter() - began)
            db.append(sum(explain_ms(sql) for sql in sqls))
        row(
            "submit",
            f"{label}: wall / DB execution median ms ({n} learners)",
            f"{ms(statistics.median(wall))} / {statistics.median(db):.1f}",
        )


@guarded("leaderboards")
def own_rank_freshness(samples):
    """Seconds from an award's commit to `leaderboard_rank` (another connection) showing it."""
    from django.db import connections

    from accounts.models import Profile
    from gamification.leaderboards import leaderboard_rank
    from gamification.models import Board, ProfileStats
    from learning.models import Problem, ProblemProgress, ProgressStatus
    from learning.services.submissions import submission_create

    rng = random.Random(13)
    answers = example_answers()
    allowed = [pk for pk in open_problem_ids() if pk in answers]
    active = list(ProfileStats.objects.filter(total_xp__gt=0).values_list("profile_id", flat=True))
    lags, immediate = [], 0
    for _ in range(samples):
        profile = Profile.objects.get(pk=rng.choice(active))
        solved = set(
            ProblemProgress.objects.filter(profile=profile, status=ProgressStatus.COMPLETED).values_list(
                "problem_id", flat=True
            )
        )
        pool = [pk for pk in allowed if pk not in solved]
        problem = Problem.objects.select_related("module").get(pk=rng.choice(pool))
        box = {}

        def reader(pid=profile.pk, box=box):
            before = leaderboard_rank(Board.ALL_TIME, pid)
            box["before"] = before
            box["go"].wait()
            began = time.perf_counter()
            polls = 0
            while True:
                polls += 1
                now_row = leaderboard_rank(Board.ALL_TIME, pid)
                if now_row is not None and (before is None or now_row.xp > before.xp):
                    box["lag"], box["polls"] = time.perf_counter() - began, polls
                    break
                if time.perf_counter() - began > 5:
                    box["lag"], box["polls"] = float("inf"), polls
                    break
            connections.close_all()

        box["go"] = threading.Event()
        t = threading.Thread(target=reader)
        t.start()
        while "before" not in box:
            time.sleep(0.001)
        submission_create(profile=profile, problem=problem, answer=rng.choice(answers[problem.pk][0]))
        box["go"].set()  # the award has committed (submission_create's durable transaction)
        t.join()
        lags.append(box["lag"])
        immediate += box["polls"] == 1
    worst = max(lags)
    row(
        "leaderboards",
        f"own rank freshness: commit → leaderboard_rank shows the award ({samples} awards)",
        f"max {worst:.4f} s; {immediate}/{samples} seen on the first read",
        "≤ 1 s",
        verdict(worst <= 1),
    )


@guarded("leaderboards")
def staleness():
    """How stale a board can be. Entries are written in every award's own transaction, so the
    boards are as fresh as the ledger (measured: own-rank freshness, and boards = ledger after
    the live writes with no refresh in between); the scheduled reconciliation only repairs
    drift and rolls periods over."""
    from django.utils import timezone

    from gamification.leaderboards import board_freshness
    from gamification.models import Board

    parts = []
    for board in Board.values:
        at = board_freshness(board)
        parts.append(f"{board} {(timezone.now() - at).total_seconds():.0f} s ago" if at else f"{board} never")
    schedule = "; no schedule in this database (setup_schedules not run)"
    try:
        from django_q.models import Schedule

        sched = Schedule.objects.filter(func__icontains="leaderboards").values_list("func", "minutes").first()
        if sched:
            schedule = f"; reconciliation scheduled: {sched[0]} every {sched[1]} min"
    except Exception:
        pass
    row(
        "leaderboards",
        "last reconciliation with the ledger (board_freshness); entries themselves are written with each award",
        ", ".join(parts) + schedule,
        "boards ≤ 60 s stale: see own-rank freshness and boards = ledger after live writes",
        "",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="Calls per read measurement (submit: per case ÷ 2).")
    parser.add_argument("--refresh-reps", type=int, default=3)
    parser.add_argument("--http-seconds", type=int, default=10)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--only-http", action="store_true", help="Measure only the gunicorn throughput.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (both endpoints).")
    parser.add_argument("--client-threads", type=int, default=2, help="Threads per load-generator process (2).")
    parser.add_argument("--explain", action="store_true", help="Also print the EXPLAIN of the worst my-rank count.")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://…/learnloop_bench.")

    import django

    django.setup()
    began = time.monotonic()
    info = machine()
    if args.only_http:
        gunicorn_throughput(args.http_seconds, args.tokens, args.workers, args.client_threads)
        for section, what, value, target, v in ROWS:
            print(f"| {section} | {what} | {value} | {target} | {v} |")
        return
    refresh_timing(args.refresh_reps)
    staleness()
    boards_equal_ledger("after the refresh")
    top100(args.requests)
    my_rank(args.requests)
    dashboard()
    submit_path(max(10, args.requests // 2))
    lock_check(5)
    own_rank_freshness(10)
    if not args.skip_http:
        gunicorn_throughput(args.http_seconds, args.tokens, args.workers, args.client_threads)
    boards_equal_ledger("after every live write above, no refresh in between")

    print()
    print(f"Machine: {info['nproc']} CPUs ({info['CPU']}), {info['RAM']} RAM; {info['PostgreSQL']}.")
    print(f"PostgreSQL settings in force: {info['settings']}.")
    print(f"Data: {info['data']}. Run took {time.monotonic() - began:.0f} s; --requests {args.requests}.")
    print()
    print("| area | measurement | result | target | verdict |")
    print("|---|---|---|---|---|")
    for section, what, value, target, v in ROWS:
        print(f"| {section} | {what} | {value} | {target} | {v} |")
    if args.explain:
        print()
        print("completed_module_count() for a random learner:")
        print("```")
        print(completed_module_plan())
        print("```")
        print()
        print("Worst-case my-rank count (the last public learner on the all-time board):")
        print("```")
        print(slowest_rank_plan())
        print("```")


if __name__ == "__main__":
    main()
