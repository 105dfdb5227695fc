"""Integrity checks for what learning caches: progress rows and first-solve XP must agree with
the submissions they summarise. Set-wise queries; each returns a list of Drift."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from accounts.models import Profile, User
from accounts.streams import by_profile
from gamification.models import XpEntry, XpReason

from .models import ProblemProgress, ProgressStatus, Submission


@dataclass(frozen=True)
class Drift:
    profile_id: int | None
    what: str
    cached: object
    derived: object


def users_without_profile():
    return [Drift(None, f"user {user_id} has no profile", None, "profile") for user_id in
            User.objects.filter(profile__isnull=True).values_list("pk", flat=True)]  # fmt: skip


def orphan_profiles():
    """Profiles with neither a login nor a guardian (the database forbids it; proved here)."""
    rows = Profile.objects.filter(user__isnull=True, created_by__isnull=True).values_list("pk", flat=True)
    return [Drift(pk, "profile has neither owner nor guardian", None, "owner or guardian") for pk in rows]


def _reporting(walk, progress):
    """`walk` (by_profile's learners), calling `progress(learners done, learners in all)` every
    thousand learners walked and once at the end."""
    total = Profile.objects.count() if progress else 0
    done = 0
    for done, item in enumerate(walk, start=1):
        yield item
        if progress and done % 1000 == 0:
            progress(done, max(total, done))
    if progress:  # learners with no rows on either side have nothing to disagree with
        progress(max(total, done), max(total, done))


def progress_drift(*, fix=False, progress=None):
    """Each progress row's attempts, points and completion against its submissions. Streams both
    sides ordered by learner, so memory holds one learner's rows (accounts.streams).
    `progress(done, total)` is called as learners are checked."""
    facts = (
        Submission.objects.values_list("profile_id", "problem_id")
        .annotate(attempts=Count("pk"), points=Sum("points_awarded"), solved=Count("pk", filter=Q(is_first_solve=True)))
        .order_by("profile_id")
    )
    rows = ProblemProgress.objects.order_by("profile_id").values_list(
        "profile_id", "problem_id", "pk", "attempts", "points_earned", "status"
    )
    drift = []
    walk = by_profile(facts.iterator(chunk_size=20_000), rows.iterator(chunk_size=20_000))
    for profile_id, learner_facts, learner_rows in _reporting(walk, progress):
        by_problem = {
            problem_id: (attempts, points, solved) for _, problem_id, attempts, points, solved in learner_facts
        }
        for _, problem_id, pk, attempts, points_earned, status in learner_rows:
            fact_attempts, fact_points, solved = by_problem.pop(problem_id, (0, 0, 0))
            expected = {"attempts": fact_attempts, "points_earned": fact_points or 0, "completed": bool(solved)}
            actual = {
                "attempts": attempts,
                "points_earned": points_earned,
                "completed": status == ProgressStatus.COMPLETED,
            }
            for key, value in expected.items():
                if actual[key] != value:
                    drift.append(Drift(profile_id, f"progress {pk} {key}", actual[key], value))
            if fix and (attempts, points_earned) != (expected["attempts"], expected["points_earned"]):
                ProblemProgress.objects.filter(pk=pk).update(
                    attempts=expected["attempts"], points_earned=expected["points_earned"]
                )
        for problem_id, (fact_attempts, _, _) in by_problem.items():
            drift.append(
                Drift(profile_id, f"no progress row for problem {problem_id}", None, f"{fact_attempts} attempts")
            )
    return drift


def first_solve_xp_drift(*, progress=None):
    """Every first solve has exactly its points in the ledger, and the ledger pays nothing else.
    Streams both sides ordered by learner (accounts.streams); reports like `progress_drift`."""
    paid = (
        XpEntry.objects.filter(reason=XpReason.FIRST_SOLVE)
        .order_by("profile_id")
        .values_list("profile_id", "source", "amount")
    )
    solves = (
        Submission.objects.filter(is_first_solve=True, points_awarded__gt=0)
        .order_by("profile_id")
        .values_list("profile_id", "problem_id", "points_awarded")
    )
    drift = []
    walk = by_profile(paid.iterator(chunk_size=20_000), solves.iterator(chunk_size=20_000))
    for profile_id, learner_paid, learner_solves in _reporting(walk, progress):
        amounts = {source: amount for _, source, amount in learner_paid}
        for _, problem_id, points in learner_solves:
            amount = amounts.pop(f"first-solve:{problem_id}", None)
            if amount != points:
                drift.append(Drift(profile_id, f"first-solve XP for problem {problem_id}", amount, points))
        for source, amount in amounts.items():
            drift.append(Drift(profile_id, f"XP for {source} without a first solve", amount, None))
    return drift
