#!/usr/bin/env python
# ruff: noqa: E501 (long SQL and table rows read better unbroken)
"""The checks of `manage.py check_integrity`, read-only, for a generated bench database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/learnloop_bench .venv/bin/python bench/check.py

Runs every check of the command. When a check itself fails on PostgreSQL (progress_drift used
Max() over a boolean, which PostgreSQL has no aggregate for), it says so and runs the same
comparison in SQL (attempts, points and completion of every progress row against its
submissions) so the data can still be verified. Exits 1 on any drift.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from gamification.services import stats_check_all  # noqa: E402
from learning import integrity  # noqa: E402

PROGRESS_SQL = """
WITH facts AS (
    SELECT profile_id, problem_id, count(*) AS attempts, sum(points_awarded) AS points, bool_or(is_first_solve) AS solved
      FROM learning_submission GROUP BY profile_id, problem_id)
SELECT count(*) FILTER (WHERE p.id IS NULL) AS missing_rows,
       count(*) FILTER (WHERE f.profile_id IS NULL) AS rows_without_submissions,
       count(*) FILTER (WHERE p.attempts <> f.attempts) AS attempts_drift,
       count(*) FILTER (WHERE p.points_earned <> f.points) AS points_drift,
       count(*) FILTER (WHERE (p.status = 'completed') <> f.solved) AS completion_drift
  FROM facts f FULL JOIN learning_problemprogress p ON p.profile_id = f.profile_id AND p.problem_id = f.problem_id
"""


def progress_sql():
    with connection.cursor() as cur:
        cur.execute(PROGRESS_SQL)
        names = [c.name for c in cur.description]
        row = dict(zip(names, cur.fetchone(), strict=True))
    return [f"{k}={v}" for k, v in row.items() if v]


def main():
    total = 0
    checks = [
        ("users without a profile", integrity.users_without_profile),
        ("orphaned profiles", integrity.orphan_profiles),
        ("progress rows", integrity.progress_drift),
        ("first-solve XP", integrity.first_solve_xp_drift),
        ("profile stats", stats_check_all),
    ]
    for label, check in checks:
        try:
            with transaction.atomic():
                found = check()
        except Exception as error:
            print(f"{label}: check_integrity's own check failed: {type(error).__name__}: {str(error).splitlines()[0]}")
            if label != "progress rows":
                total += 1
                continue
            found = progress_sql()
            label += " (same comparison in SQL)"
        total += len(found)
        print(f"{label}: {len(found)} problem(s)")
        for drift in found[:10]:
            print(f"  {drift}")
    print("Everything agrees with the facts." if not total else f"{total} problem(s) found.")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
