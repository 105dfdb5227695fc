"""The submit path's first statement: the learner's progress row on a problem, locked, with
everything the answer needs to know that other rows hold.

Written as SQL once per shape and kept, because the ORM rebuilt and recompiled this query of
five nested subqueries on every answer: 4–5 ms of Python each time (docs/performance.md), more
than the database spends running it. tests/learning/test_progress_lock.py holds each figure
against what the ORM computes.

One row carries, whether or not the learner has a progress row yet (so a first answer to a
problem never opened needs only an INSERT more, not a second read):
  * every column of the progress row, locked FOR UPDATE on PostgreSQL (SQLite's writer lock,
    taken by the IMMEDIATE transaction, already serialises answers there), or NULLs;
  * `best_score`, `best_is_correct`: the row's best submission, or None;
  * `module_is_locked`: whether the problem's module has a published prerequisite the learner
    has not completed (one with no published problem counts as not completed, as
    `selectors.missing_prerequisites` decides), each EXISTS stopping at its first row;
with `goal_day_bounds`:
  * `daily_goal_target`: the target of the learner's active daily-points goal, or None;
  * `points_on_day`: the points the learner earned between those two instants (their local day);
with `session_id`:
  * `session_item_id`: the session's unanswered item for this problem, or None;
  * `session_has_open_others`: whether another item of the session is still unanswered;
with `module_check`:
  * `module_has_unsolved_others`: whether the problem's module has another published problem the
    learner has not completed (when not, solving this one completes the module).
"""

from functools import lru_cache

from django.db import connection

from accounts.rows import columns as row_columns
from accounts.rows import fetch_one, instance_from, width

from ..models import Goal, Module, PracticeSessionItem, Problem, ProblemProgress, ProgressStatus, Submission


def _tables():
    quote = connection.ops.quote_name
    models = {
        "progress": ProblemProgress,
        "problem": Problem,
        "module": Module,
        "prerequisite": Module.prerequisites.through,
        "submission": Submission,
        "goal": Goal,
        "item": PracticeSessionItem,
    }
    return {name: quote(model._meta.db_table) for name, model in models.items()}


@lru_cache(maxsize=16)
def _lock_sql(vendor, *, goal, session, module_check):
    t = _tables()
    # Column names are Django's defaults for these fields (a foreign key `x` is `x_id`).
    solved = (
        f"SELECT 1 FROM {t['progress']} done WHERE done.profile_id = %(profile)s "
        f"AND done.problem_id = q.id AND done.status = %(completed)s"
    )
    columns = [
        row_columns(ProblemProgress, "p"),
        "best.score AS best_score",
        "best.is_correct AS best_is_correct",
        f"""EXISTS (
            SELECT 1 FROM {t["prerequisite"]} link INNER JOIN {t["module"]} pre ON pre.id = link.to_module_id
            WHERE link.from_module_id = %(module)s AND pre.is_published AND (
                NOT EXISTS (SELECT 1 FROM {t["problem"]} q WHERE q.module_id = pre.id AND q.is_published)
                OR EXISTS (
                    SELECT 1 FROM {t["problem"]} q WHERE q.module_id = pre.id AND q.is_published
                    AND NOT EXISTS ({solved})
                )
            )
        ) AS module_is_locked""",
    ]
    if goal:
        columns += [
            f"""(
                SELECT g.target FROM {t["goal"]} g
                WHERE g.profile_id = %(profile)s AND g.kind = %(daily_points)s AND g.is_active LIMIT 1
            ) AS daily_goal_target""",
            f"""COALESCE((
                SELECT SUM(s.points_awarded) FROM {t["submission"]} s WHERE s.profile_id = %(profile)s
                AND s.created_at >= %(day_start)s AND s.created_at < %(day_end)s
            ), 0) AS points_on_day""",
        ]
    if session:
        unanswered = f"FROM {t['item']} i WHERE i.session_id = %(session)s AND i.submission_id IS NULL"
        columns += [
            f"(SELECT i.id {unanswered} AND i.problem_id = %(problem)s LIMIT 1) AS session_item_id",
            f"EXISTS (SELECT 1 {unanswered} AND i.problem_id <> %(problem)s) AS session_has_open_others",
        ]
    if module_check:
        columns.append(
            f"""EXISTS (
                SELECT 1 FROM {t["problem"]} q WHERE q.module_id = %(module)s AND q.is_published
                AND q.id <> %(problem)s AND NOT EXISTS ({solved})
            ) AS module_has_unsolved_others"""
        )
    # The row is locked inside its own derived table, so that the outer join, which keeps the
    # one result row when there is no progress row, is not on a locked relation's nullable side.
    lock = " FOR UPDATE" if vendor == "postgresql" else ""
    row = (
        f"SELECT {row_columns(ProblemProgress, 'x')} FROM {t['progress']} x "
        f"WHERE x.profile_id = %(profile)s AND x.problem_id = %(problem)s{lock}"
    )
    return (
        f"SELECT {', '.join(columns)} FROM (SELECT 1 AS one) anchor "
        f"LEFT OUTER JOIN ({row}) p ON 1 = 1 "
        f"LEFT OUTER JOIN {t['submission']} best ON best.id = p.best_submission_id"
    )


def progress_lock_read(*, profile_id, problem, goal_day_bounds=None, session_id=None, module_check=False):
    """The learner's progress row on `problem` with the figures above, locked. When the learner
    has no row yet: an unsaved row (`pk` None, the model's defaults) carrying the figures.
    Precondition: inside the answer's transaction. One statement."""
    sql = _lock_sql(
        connection.vendor, goal=goal_day_bounds is not None, session=session_id is not None, module_check=module_check
    )
    params = {
        "profile": profile_id,
        "problem": problem.pk,
        "module": problem.module_id,
        "completed": ProgressStatus.COMPLETED.value,
    }
    if goal_day_bounds is not None:
        start, end = goal_day_bounds
        adapt = connection.ops.adapt_datetimefield_value
        params.update(daily_points=Goal.Kind.DAILY_POINTS.value, day_start=adapt(start), day_end=adapt(end))
    if session_id is not None:
        params["session"] = session_id
    row = fetch_one(sql, params)
    size = width(ProblemProgress)
    if row[0] is None:
        progress = ProblemProgress(profile_id=profile_id, problem_id=problem.pk)
    else:
        progress = instance_from(ProblemProgress, row[:size])
    names = _extra_names(goal_day_bounds is not None, session_id is not None, module_check)
    extras = dict(zip(names, row[size:], strict=True))
    for name in ("module_is_locked", "session_has_open_others", "module_has_unsolved_others", "best_is_correct"):
        if extras.get(name) is not None:
            extras[name] = bool(extras[name])  # SQLite answers EXISTS and booleans with 0 or 1
    progress.__dict__.update(extras)
    return progress


@lru_cache(maxsize=16)
def _extra_names(goal, session, module_check):
    """The names of the columns after the progress row's own, in `_lock_sql`'s order."""
    names = ["best_score", "best_is_correct", "module_is_locked"]
    if goal:
        names += ["daily_goal_target", "points_on_day"]
    if session:
        names += ["session_item_id", "session_has_open_others"]
    if module_check:
        names.append("module_has_unsolved_others")
    return tuple(names)
