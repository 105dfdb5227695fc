"""Practice sessions: N problems answered in turn, then a summary."""

import random
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.errors import Conflict, InvalidInput, NotFound

from ..models import PracticeSession, PracticeSessionItem, Problem, ProblemProgress, ProgressStatus, Submission
from ..selectors import unlocked_module_ids
from .session_results import practice_session_close
from .submissions import submission_create

SESSION_SIZES = (5, 10, 15, 20)
MAX_SESSION_SIZE = 30
SESSION_LIFETIME = timedelta(hours=2)


def _candidates(profile, kind, module):
    unlocked = unlocked_module_ids(profile)
    problems = Problem.objects.filter(is_published=True, module__is_published=True, module__in=unlocked)
    solved = ProblemProgress.objects.filter(profile=profile, problem=OuterRef("pk"), status=ProgressStatus.COMPLETED)
    if kind == PracticeSession.Kind.MODULE:
        if module is None:
            raise InvalidInput("Choose a module to practise.", fields={"module": ["Choose a module."]})
        if module.pk not in unlocked:
            raise InvalidInput(
                f"“{module.title}” is still locked.", code="module_locked", fields={"module": ["Locked."]}
            )
        problems = problems.filter(module=module)
    elif kind == PracticeSession.Kind.REVIEW:
        mistakes = Submission.objects.filter(profile=profile, problem=OuterRef("pk"), is_correct=False)
        problems = problems.filter(Exists(mistakes))
    elif kind != PracticeSession.Kind.MIXED:
        raise InvalidInput("Unknown kind of session.", fields={"kind": ["Choose module, mixed or review."]})
    return list(problems.annotate(is_solved=Exists(solved)).only("pk", "module_id"))


def practice_session_start(*, profile, kind, size=10, module=None, now=None, rng=None):
    """Start a session of up to `size` problems for `profile`; unsolved problems come first,
    shuffled. Raises Conflict (with the session id) when one is already in progress, and
    InvalidInput when there is nothing to practise."""
    now = now or timezone.now()
    try:
        size = int(size)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_SESSION_SIZE:
        raise InvalidInput(
            f"A session has 1 to {MAX_SESSION_SIZE} questions.", fields={"size": [f"Choose 1–{MAX_SESSION_SIZE}."]}
        )
    practice_session_expire_stale(profile=profile, now=now)
    active = PracticeSession.objects.filter(profile=profile, status=PracticeSession.Status.ACTIVE).first()
    if active is not None:
        raise Conflict(
            "Finish or end your current session first.", code="session_in_progress", extra={"session_id": active.pk}
        )
    candidates = _candidates(profile, kind, module)
    if not candidates:
        message = (
            "No mistakes to review. Well done!"
            if kind == PracticeSession.Kind.REVIEW
            else "There is nothing to practise yet."
        )
        raise InvalidInput(message, code="nothing_to_practise")
    rng = rng or random.Random()
    rng.shuffle(candidates)
    candidates.sort(key=lambda p: p.is_solved)  # stable: unsolved first, each group shuffled
    chosen = candidates[:size]
    try:
        with transaction.atomic(durable=True):
            session = PracticeSession.objects.create(
                profile=profile,
                kind=kind,
                module=module if kind == PracticeSession.Kind.MODULE else None,
                expires_at=now + SESSION_LIFETIME,
                question_count=len(chosen),
            )
            PracticeSessionItem.objects.bulk_create(
                PracticeSessionItem(session=session, problem_id=p.pk, position=i) for i, p in enumerate(chosen, start=1)
            )
    except IntegrityError:
        # A double-clicked "Start": the other request's session stands.
        active = PracticeSession.objects.filter(profile=profile, status=PracticeSession.Status.ACTIVE).first()
        raise Conflict(
            "A session is already in progress.",
            code="session_in_progress",
            extra={"session_id": getattr(active, "pk", None)},
        ) from None
    return session


def practice_session_get(*, profile, session_id):
    """The learner's own session, expiring it first if its time ran out; NotFound otherwise."""
    session = PracticeSession.objects.select_related("module").filter(pk=session_id, profile=profile).first()
    if session is None:
        raise NotFound("No such practice session.")
    if session.status == PracticeSession.Status.ACTIVE and session.expires_at <= timezone.now():
        with transaction.atomic():
            practice_session_close(session=session, now=timezone.now(), status=PracticeSession.Status.EXPIRED)
    return session


def practice_session_next_item(session):
    return session.items.filter(submission__isnull=True).select_related("problem", "problem__module").first()


def practice_session_answer(*, profile, session, answer, idempotency_key=None):
    """Answer the session's current question. Returns the SubmissionResult.

    A retry with an Idempotency-Key already used in this session replays the first outcome,
    even though the session has since moved on to the next question (or closed)."""
    if idempotency_key is not None:
        previous = (
            Submission.objects.filter(
                profile=profile, practice_session=session, idempotency_key=str(idempotency_key).strip()
            )
            .select_related("problem", "problem__module")
            .first()
        )
        if previous is not None:
            return submission_create(
                profile=profile, problem=previous.problem, answer=answer, idempotency_key=idempotency_key
            )
    if session.status != PracticeSession.Status.ACTIVE:
        raise Conflict("This practice session has ended.", code="session_ended")
    item = practice_session_next_item(session)
    if item is None:
        raise Conflict("Every question in this session is answered.", code="session_ended")
    return submission_create(
        profile=profile,
        problem=item.problem,
        answer=answer,
        idempotency_key=idempotency_key,
        practice_session=session,
    )


def practice_session_end(*, profile, session, now=None):
    """End the session now; unanswered questions count as not correct. Idempotent."""
    if session.profile_id != profile.pk:
        raise NotFound("No such practice session.")
    with transaction.atomic(durable=True):
        practice_session_close(session=session, now=now or timezone.now())
    session.refresh_from_db()
    return session


def practice_session_expire_stale(*, profile=None, now=None):
    """Close sessions whose time ran out (as expired). Returns how many were closed."""
    now = now or timezone.now()
    stale = PracticeSession.objects.filter(status=PracticeSession.Status.ACTIVE, expires_at__lte=now)
    if profile is not None:
        stale = stale.filter(profile=profile)
    closed = 0
    for session in stale:
        with transaction.atomic():
            closed += practice_session_close(session=session, now=now, status=PracticeSession.Status.EXPIRED)
    return closed
