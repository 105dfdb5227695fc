# ruff: noqa: E501 (long SQL and table rows read better unbroken)
"""What the bench runner's sections share: the results table, the machine's description, and
helpers to time SQL, capture statements and pick answers. Importing it prepares Django's
settings as the runner wants them (it does not call django.setup())."""

import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# As in production: no query log kept for every statement (captures below ask for it), no debug pages.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))

PORT = 8123
ROWS = []  # (section, measurement, value, target, verdict)


def row(section, what, value, target="", verdict=""):
    ROWS.append((section, what, value, target, verdict))
    print(f"  {section}: {what}: {value}", file=sys.stderr, flush=True)


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def ms(x):
    return f"{x * 1000:.3f}" if x * 1000 < 10 else f"{x * 1000:.1f}"


def verdict(ok):
    return "met" if ok else "**missed**"


def guarded(section):
    def wrap(fn):
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as error:  # a placeholder or a failing function: report, go on
                from django.db import connection

                if connection.in_atomic_block is False:
                    connection.rollback() if not connection.get_autocommit() else None
                row(
                    section,
                    fn.__name__.replace("_", " "),
                    f"n/a ({type(error).__name__}: {str(error).splitlines()[0][:160]})",
                )
                return None

        return inner

    return wrap


# --------------------------------------------------------------------------- machine
def machine():
    from django.db import connection

    info = {}
    info["nproc"] = os.cpu_count()
    with open("/proc/meminfo") as f:
        total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    info["RAM"] = f"{total_kb / 1048576:.1f} GiB"
    try:
        info["CPU"] = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except StopIteration:
        info["CPU"] = "?"
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        info["PostgreSQL"] = cur.fetchone()[0].split(" on ")[0]
        settings = []
        for name in (
            "shared_buffers",
            "effective_cache_size",
            "work_mem",
            "maintenance_work_mem",
            "max_wal_size",
            "synchronous_commit",
            "fsync",
            "random_page_cost",
            "jit",
            "max_parallel_workers_per_gather",
        ):
            cur.execute(f"SHOW {name}")
            settings.append(f"{name}={cur.fetchone()[0]}")
        info["settings"] = ", ".join(settings)
        cur.execute(
            """SELECT (SELECT count(*) FROM accounts_profile), (SELECT reltuples::bigint FROM pg_class WHERE relname = 'learning_submission'),
                      (SELECT count(*) FROM learning_problem), pg_size_pretty(pg_database_size(current_database()))"""
        )
        profiles, subs, problems, size = cur.fetchone()
        info["data"] = f"{profiles:,} profiles, ~{subs:,} submissions, {problems} problems, database {size}"
    return info


# --------------------------------------------------------------------------- helpers
def explain_ms(sql):
    """Execution time (ms) of `sql` as EXPLAIN (ANALYZE, TIMING OFF) reports it."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)
        plan = cur.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    return plan["Execution Time"]


def explain_text(sql):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cur.fetchall())


def captured(fn, *args, **kwargs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # A full query log (9,000 entries) would make every later capture empty.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        result = fn(*args, **kwargs)
    return result, [q["sql"] for q in ctx.captured_queries]


def example_answers():
    """{problem_id: (correct answers, incorrect answers)} from the content files' examples
    (practice-set clones, slug "<original>-p<k>", use their original's)."""
    from learning.models import Problem
    from learning.services.content import load_content

    examples = {}
    for module in load_content():
        for spec in module.problems:
            ex = spec.examples
            examples[spec.fields["slug"]] = (list(ex.get("correct") or []), list(ex.get("incorrect") or []))
    out = {}
    for pk, slug in Problem.objects.values_list("pk", "slug"):
        source = slug if slug in examples else slug.rsplit("-p", 1)[0]
        if source in examples:
            out[pk] = examples[source]
    return out


def open_problem_ids():
    """Published problems in modules without prerequisites (never ModuleLocked)."""
    from learning.models import Module, Problem

    locked = Module.prerequisites.through.objects.values_list("from_module_id", flat=True)
    return list(
        Problem.objects.filter(is_published=True, module__is_published=True)
        .exclude(module_id__in=locked)
        .values_list("pk", flat=True)
    )
