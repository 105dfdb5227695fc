"""Opening a problem and answering it: the submit path.

One submission is one transaction: the submission row, the progress row, a problem-of-the-day
completion and a practice-session item commit together or not at all.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.errors import Conflict, DomainError, InvalidInput, NotFound
from accounts.rows import row_insert_if_absent, row_insert_then_update
from gamification.achievements import achievement_fact_wanted
from gamification.models import XpReason
from gamification.services import ActivityEvent, ActivityOutcome, XpAward, activity_record

from .. import judges
from ..models import PracticeSession, PracticeSessionItem, ProblemProgress, ProgressStatus, Submission
from ..selectors import completed_module_count, local_day_bounds, missing_prerequisites, problem_get_published_cached
from .potd import potd_completion_record, potd_ids_for_date
from .progress_lock import progress_lock_read
from .session_results import practice_session_close

MAX_IDEMPOTENCY_KEY_LENGTH = 80
PROBLEM_OF_THE_DAY_XP = 50
DAILY_GOAL_XP = 25
# Every column an answer can change, saved in its one UPDATE of the progress row.
PROGRESS_FIELDS = [
    "status",
    "attempts",
    "first_attempt_at",
    "completed_at",
    "time_spent_seconds",
    "best_submission",
    "points_earned",
    "version",
    "updated_at",
]


class ModuleLocked(DomainError):
    status = 403
    code = "module_locked"


@dataclass(frozen=True)
class SubmissionResult:
    submission: Submission
    progress: ProblemProgress
    is_replay: bool = False
    potd_completed: bool = False
    activity: ActivityOutcome | None = None

    @property
    def is_first_solve(self):
        return self.submission.is_first_solve


def problem_points(problem, seconds_taken):
    """Base points plus a time bonus that falls linearly to 0 over the problem's window."""
    remaining = max(0.0, 1.0 - seconds_taken / problem.time_bonus_window_seconds)
    return problem.base_points + round(problem.time_bonus_points * remaining)


def _check_published(problem):
    if not problem.is_published or not problem.module.is_published:
        raise NotFound("This problem is not available.", code="problem_unavailable")


def check_problem_answerable(*, profile, problem):
    """Raise NotFound for unpublished content and ModuleLocked when prerequisites are missing."""
    _check_published(problem)
    missing = missing_prerequisites(profile, problem.module)
    if missing:
        raise ModuleLocked(f"“{problem.module.title}” is locked. Complete {', '.join(missing)} first.")


def problem_open(*, profile, problem, now=None):
    """Start the learner's clock on `problem` (only the first opening counts) and return the
    progress row. Reopening never restarts the clock, so reloading cannot farm the time bonus."""
    check_problem_answerable(profile=profile, problem=problem)
    now = now or timezone.now()
    with transaction.atomic():
        progress, created = ProblemProgress.objects.get_or_create(
            profile=profile, problem=problem, defaults={"opened_at": now}
        )
        if not created and progress.opened_at is None:
            ProblemProgress.objects.filter(pk=progress.pk, opened_at__isnull=True).update(opened_at=now)
            progress.refresh_from_db()
    return progress


def _judge(problem, answer):
    """(the cleaned answer, its Verdict), before any transaction: judging reads nothing."""
    try:
        return problem.judge.clean_and_grade(problem.judge_config, answer)
    except judges.AnswerError as error:
        raise InvalidInput(str(error), code=f"answer_{error.code}", fields={"answer": [str(error)]}) from None


def _check_idempotency_key(key):
    if key is None:
        return None
    key = str(key).strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be 1–{MAX_IDEMPOTENCY_KEY_LENGTH} printable characters.",
            code="invalid_idempotency_key",
        )
    return key


def _replay(*, profile, problem, key, cleaned_answer):
    """The first outcome for a retried request, or None when the key is new."""
    existing = Submission.objects.filter(profile=profile, idempotency_key=key).select_related("problem").first()
    if existing is None:
        return None
    if existing.problem_id != problem.pk or existing.answer != cleaned_answer:
        raise DomainError(
            "This Idempotency-Key was already used for a different answer. Use a new key for a new answer.",
            code="idempotency_key_reused",
            status=422,
        )
    progress = ProblemProgress.objects.get(profile=profile, problem=problem)
    return SubmissionResult(submission=existing, progress=progress, is_replay=True)


def progress_state(progress):
    """The public state of a progress row, sent with a stale-version conflict."""
    return {
        "status": progress.status,
        "attempts": progress.attempts,
        "points_earned": progress.points_earned,
        "completed_at": progress.completed_at.isoformat() if progress.completed_at else None,
        "version": progress.version,
    }


def submission_create(
    *,
    profile,
    problem,
    answer,
    idempotency_key=None,
    expected_version=None,
    practice_session=None,
    now=None,
):
    """Judge `answer` for `profile` on `problem` and record everything it changes.

    Guarantees: the first correct answer earns base points plus the time bonus, exactly once
    per learner and problem even under concurrent submissions (the progress row is locked, and
    a partial unique index backs it up); later answers are kept with 0 points; a retried
    request with the same Idempotency-Key returns the first outcome and records nothing new.
    Raises InvalidInput (malformed answer, or a problem not in `practice_session`), NotFound
    (unpublished), ModuleLocked, Conflict (stale `expected_version`, carrying the current
    state; a session that has ended or whose question is answered) or 422 (key reused).

    Cost, with warm caches (achievement definitions, badges, the day's problem of the day), on
    PostgreSQL: 7 statements for a first solve of an opened problem that meets the daily goal
    and earns an achievement (the progress lock; the submission with the progress update; the
    stats lock; the ledger look-up; the earned ids and the earned row; the gamification writes,
    one statement), 3 for an answer that changes no stats. On top of that, a problem never
    opened costs 1 (its progress row is made here), a first action ever 2 (the stats row), a
    problem-of-the-day completion 2 (its row, and the count of completions while an
    achievement needs it), a session answer 1 (its item) and the one that ends the session 1
    more (its results), a solve that completes a module 1 (the count of completed modules, while
    an achievement needs it). tests/learning/test_submit_queries.py holds each kind of answer
    to its budget and lists its statements. SQLite sends the combined writes one by one.
    """
    cleaned, verdict = _judge(problem, answer)
    key = _check_idempotency_key(idempotency_key)
    if key is not None:
        replay = _replay(profile=profile, problem=problem, key=key, cleaned_answer=cleaned)
        if replay is not None:
            return replay
    _check_published(problem)  # the prerequisites are checked with the progress lock
    try:
        with transaction.atomic(durable=True):
            return _record(
                profile=profile,
                problem=problem,
                cleaned=cleaned,
                verdict=verdict,
                key=key,
                expected_version=expected_version,
                practice_session=practice_session,
                now=now or timezone.now(),
            )
    except IntegrityError:
        # Two requests with one key raced; the loser returns the winner's outcome.
        if key is not None:
            replay = _replay(profile=profile, problem=problem, key=key, cleaned_answer=cleaned)
            if replay is not None:
                return replay
        raise


def _locked_progress(*, profile, problem, now, goal_day=None, session=None, module_check=False):
    """The learner's progress row on `problem`, created if missing, locked for this transaction;
    raises ModuleLocked when the problem's module still misses a prerequisite.

    One statement when the row exists (problem_open made it), which also answers whether the
    module is locked; otherwise one INSERT more, which ignores a conflict. No savepoint: when a
    concurrent first answer inserted the row first, it wins, and the locking SELECT runs again
    and queues on its lock. The row also carries, at no extra statement, `best_score` and
    `best_is_correct` (of its best submission, or None); with `goal_day`, the daily goal and the
    points of that local day; with `session`, its item for `problem`; with `module_check`,
    whether the module has other unsolved problems (see `progress_lock_read`).

    Caveat: on PostgreSQL a SELECT that waited for the lock returns the row as its holder left
    it, but the subqueries and the join as of when the SELECT began, so they may miss what
    the holder wrote elsewhere (its session item, its new best submission); nothing that must
    be exact trusts them (see `_answer_session_item`; the best submission is read again)."""
    read = {
        "profile_id": profile.pk,
        "problem": problem,
        "goal_day_bounds": local_day_bounds(profile, goal_day) if goal_day is not None else None,
        "session_id": session.pk if session is not None else None,
        "module_check": module_check,
    }
    progress = progress_lock_read(**read)
    if progress.module_is_locked:
        check_problem_answerable(profile=profile, problem=problem)  # raises, naming what is missing
    if progress.pk is None:
        # The figures read do not depend on the progress row, so a row inserted here needs no
        # second read; one a concurrent first answer inserted first is read (and queued for).
        progress.opened_at = now
        if not row_insert_if_absent(progress):
            progress = progress_lock_read(**read)
    if progress.best_score is None and progress.best_submission_id is not None:
        # The row's holder set a new best submission while this answer queued for the lock; the
        # join, read as of the SELECT's start, cannot see it. Rare, so read it only then.
        best = Submission.objects.filter(pk=progress.best_submission_id).values_list("score", "is_correct").get()
        progress.best_score, progress.best_is_correct = best
    return progress


def _record(*, profile, problem, cleaned, verdict, key, expected_version, practice_session, now):
    judge = problem.judge
    today = profile.local_today(now)
    # Only a first solve can complete the problem's module, and only that can change the count
    # of completed modules an achievement reads, so the lock tells whether this solve would.
    module_check = verdict.correct and achievement_fact_wanted("modules_completed", profile_id=profile.pk)
    # Lock the learner's progress on this problem first: every concurrent answer for the same
    # learner and problem queues here, so "is this the first solve?" is decided once. A correct
    # answer may be a first solve that meets the daily goal, so the lock also reads the goal and
    # today's points so far. Accepted race: two first solves of one learner on different
    # problems, committing together, do not see each other's points; a goal only both reach
    # is then credited by the learner's next solve that day (the ledger keeps it once). The
    # same holds for the last two problems of a module solved together (neither completes the
    # module; `achievement_backfill` or the next module completed awards what they missed).
    progress = _locked_progress(
        profile=profile,
        problem=problem,
        now=now,
        goal_day=today if verdict.correct else None,
        session=practice_session,
        module_check=module_check,
    )
    if expected_version is not None and int(expected_version) != progress.version:
        raise Conflict(
            "Your copy of this progress is out of date; here is the current state.",
            code="stale_version",
            extra={"current": progress_state(progress)},
        )
    if practice_session is not None:
        _check_session_item(practice_session, problem, progress.session_item_id)
    started_at = progress.opened_at or now
    seconds_taken = max(0, int((now - started_at).total_seconds()))
    first_solve = verdict.correct and progress.status != ProgressStatus.COMPLETED
    points = problem_points(problem, seconds_taken) if first_solve else 0

    submission = Submission(
        profile=profile,
        problem=problem,
        answer=cleaned,
        is_correct=verdict.correct,
        score=verdict.score,
        feedback=verdict.feedback,
        judge_name=judge.kind,
        judge_version=judge.version,
        seconds_taken=seconds_taken,
        points_awarded=points,
        is_first_solve=first_solve,
        practice_session=practice_session,
        idempotency_key=key,
        created_at=now,
    )

    progress.attempts += 1
    progress.first_attempt_at = progress.first_attempt_at or now
    if progress.status != ProgressStatus.COMPLETED:
        progress.time_spent_seconds = seconds_taken
        if first_solve:
            progress.status = ProgressStatus.COMPLETED
            progress.completed_at = now
        else:
            progress.status = ProgressStatus.IN_PROGRESS
    best = (progress.best_score, progress.best_is_correct)
    if best[0] is None or (verdict.score, verdict.correct) > best:
        progress.best_submission = submission
        progress.best_score, progress.best_is_correct = verdict.score, verdict.correct
    progress.points_earned += points
    progress.version += 1
    # The submission and the progress row (which may now point at it) in one statement on PostgreSQL.
    row_insert_then_update(submission, progress, PROGRESS_FIELDS, pointer="best_submission")

    session_closed = False
    if practice_session is not None:
        _answer_session_item(progress.session_item_id, submission)
        # Accepted race: the last two unanswered items answered together each see the other
        # open, so neither ends the session; it then ends when the learner ends it or it
        # expires, with the same results. An answer never ends a session twice: closing is a
        # conditional UPDATE.
        if not progress.session_has_open_others:
            session_closed = practice_session_close(session=practice_session, now=now)

    potd_completed = verdict.correct and _complete_problem_of_the_day(profile, problem, submission, today, now)
    # A module is complete when none of its other published problems is left unsolved; the
    # lock read that, and this solve completes it (only then is the count worth its statement).
    completed_module = first_solve and module_check and not progress.module_has_unsolved_others
    activity = activity_record(
        event=ActivityEvent(
            profile_id=profile.pk,
            occurred_at=now,
            local_date=today,
            awards=_xp_awards(problem, points, potd_completed, today, progress),
            is_public=profile.show_on_leaderboards,
            first_solve_seconds=seconds_taken if first_solve else None,
            session_questions=practice_session.question_count if session_closed else None,
            session_correct=practice_session.correct_count if session_closed else None,
            modules_completed=completed_module_count(profile) if completed_module else None,
        )
    )
    return SubmissionResult(submission=submission, progress=progress, potd_completed=potd_completed, activity=activity)


def _xp_awards(problem, points, potd_completed, today, progress):
    """What this answer earns in XP. Each award names its source, so the ledger can hold it
    only once: a problem's first solve, a day's problem of the day, a day's goal. `progress` is
    the locked row, carrying `daily_goal_standing` whenever the answer was correct."""
    awards = []
    if points:
        awards.append(XpAward(points, XpReason.FIRST_SOLVE, f"first-solve:{problem.pk}"))
    if potd_completed:
        awards.append(XpAward(PROBLEM_OF_THE_DAY_XP, XpReason.PROBLEM_OF_THE_DAY, f"problem-of-the-day:{today}"))
    # Points read with the lock leave out this answer's own; every later solve that day meets
    # the goal again, so the ledger decides whether today's goal is already credited.
    goal = progress.daily_goal_target if points else None
    if goal is not None and progress.points_on_day + points >= goal:
        awards.append(XpAward(DAILY_GOAL_XP, XpReason.DAILY_GOAL, f"daily-goal:{today}", may_repeat=True))
    return tuple(awards)


def _check_session_item(session, problem, item_id):
    """Raise unless `session` is active and `item_id` (read with the progress lock) is its
    unanswered item for `problem`. Free when it is: the checks read what the caller holds."""
    if session.status != PracticeSession.Status.ACTIVE or session.expires_at <= timezone.now():
        raise Conflict("This practice session has ended.", code="session_ended")
    if item_id is not None:
        return
    if not PracticeSessionItem.objects.filter(session=session, problem=problem).exists():
        raise InvalidInput("That problem is not part of this practice session.", code="not_in_session")
    raise Conflict("You already answered this question in this session.", code="already_answered")


def _answer_session_item(item_id, submission):
    """Record `submission` as the answer of session item `item_id`, if still unanswered.

    The progress lock serialises answers to one item (it is one problem), but the item id was
    read as of the start of the locking SELECT, so an answer that queued behind another to the
    same item may still see it unanswered; the conditional UPDATE decides, and the loser's
    whole answer rolls back with the Conflict."""
    answered = PracticeSessionItem.objects.filter(pk=item_id, submission__isnull=True).update(
        submission=submission,
        is_correct=submission.is_correct,
        points=submission.points_awarded,
        seconds=submission.seconds_taken,
    )
    if not answered:
        raise Conflict("You already answered this question in this session.", code="already_answered")


def _complete_problem_of_the_day(profile, problem, submission, today, now):
    """Record the day's completion if `problem` is the learner's problem of the day `today`;
    True when this answer completed it (the first completion of a day stands)."""
    ids = potd_ids_for_date(today)
    if ids is None or ids[1] != problem.pk:
        return False
    return potd_completion_record(
        profile_id=profile.pk, problem_of_the_day_id=ids[0], submission_id=submission.pk, completed_at=now
    )


def problem_get_for_slug(slug):
    """The published problem `slug` (a few seconds old at most: see
    `selectors.problem_get_published_cached`); NotFound otherwise."""
    problem = problem_get_published_cached(slug)
    if problem is None:
        raise NotFound(f"There is no problem “{slug}”.", code="unknown_problem")
    return problem
