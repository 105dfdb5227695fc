"""Closing a practice session: its results are computed from its items, once."""

from django.db.models import Count, Q, Sum

from ..models import PracticeSession


def practice_session_close(*, session, now, status=PracticeSession.Status.COMPLETED):
    """Write the session's results from its items and mark it ended.

    Idempotent: only an active session changes (conditional UPDATE), so a double "End" or an
    expiry racing the last answer closes it once. Caller is inside the user action's
    transaction. Returns True when this call closed it.
    """
    totals = session.items.aggregate(
        answered=Count("pk", filter=Q(submission__isnull=False)),
        correct=Count("pk", filter=Q(is_correct=True)),
        points=Sum("points"),
        seconds=Sum("seconds"),
    )
    closed = PracticeSession.objects.filter(pk=session.pk, status=PracticeSession.Status.ACTIVE).update(
        status=status,
        ended_at=now,
        answered_count=totals["answered"],
        correct_count=totals["correct"],
        points=totals["points"] or 0,
        seconds=totals["seconds"] or 0,
    )
    if closed:
        session.refresh_from_db()
    return bool(closed)
