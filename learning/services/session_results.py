"""Closing a practice session: its results are computed from its items, once."""

from django.db import connection

from ..models import PracticeSession, PracticeSessionItem


def _close_sql():
    quote = connection.ops.quote_name
    sessions, items = quote(PracticeSession._meta.db_table), quote(PracticeSessionItem._meta.db_table)
    session = {field.name: quote(field.column) for field in PracticeSession._meta.concrete_fields}
    item = {field.name: quote(field.column) for field in PracticeSessionItem._meta.concrete_fields}
    results = ", ".join(session[name] for name in ("answered_count", "correct_count", "points", "seconds"))
    # The totals are named t_*, unlike any column of the session, so RETURNING is unambiguous.
    return (
        f"UPDATE {sessions} SET {session['status']} = %s, {session['ended_at']} = %s, "
        f"{session['answered_count']} = totals.t_answered, {session['correct_count']} = totals.t_correct, "
        f"{session['points']} = totals.t_points, {session['seconds']} = totals.t_seconds "
        f"FROM (SELECT COUNT({item['submission']}) AS t_answered, "
        f"COALESCE(SUM(CASE WHEN {item['is_correct']} THEN 1 ELSE 0 END), 0) AS t_correct, "
        f"COALESCE(SUM({item['points']}), 0) AS t_points, COALESCE(SUM({item['seconds']}), 0) AS t_seconds "
        f"FROM {items} WHERE {item['session']} = %s) AS totals "
        f"WHERE {sessions}.{session['id']} = %s AND {sessions}.{session['status']} = %s "
        f"RETURNING {results}"
    )


def practice_session_close(*, session, now, status=PracticeSession.Status.COMPLETED):
    """Write the session's results from its items and mark it ended (`status`, `ended_at`).

    Idempotent: only an active session changes (conditional UPDATE), so a double "End" or an
    expiry racing the last answer closes it once. Caller is inside the user action's
    transaction. Returns True when this call closed it, and then `session` holds the results.

    One statement: an UPDATE that sums the items and returns what it wrote. Hand-written
    because the ORM's update() cannot return the values (they would cost a second read), nor
    take its totals from one aggregate (four subqueries over the items otherwise).
    """
    ended_at = PracticeSession._meta.get_field("ended_at").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        params = [str(status), ended_at, session.pk, session.pk, PracticeSession.Status.ACTIVE.value]
        cursor.execute(_close_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return False
    session.status, session.ended_at = status, now
    session.answered_count, session.correct_count, session.points, session.seconds = row
    return True
