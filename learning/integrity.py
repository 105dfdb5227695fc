"""Integrity checks for what learning caches: progress rows and first-solve XP must agree with
the submissions they summarise. Set-wise queries; each returns a list of Drift."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from accounts.models import Profile, User
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


def progress_drift(*, fix=False):
    """Each progress row's attempts, points and completion against its submissions."""
    facts = {
        (row["profile_id"], row["problem_id"]): row
        for row in Submission.objects.values("profile_id", "problem_id").annotate(
            attempts=Count("pk"), points=Sum("points_awarded"), solved=Count("pk", filter=Q(is_first_solve=True))
        )
    }
    drift = []
    rows = ProblemProgress.objects.values("pk", "profile_id", "problem_id", "attempts", "points_earned", "status")
    for row in rows.iterator(chunk_size=20_000):
        fact = facts.pop((row["profile_id"], row["problem_id"]), {"attempts": 0, "points": 0, "solved": False})
        expected = {
            "attempts": fact["attempts"],
            "points_earned": fact["points"] or 0,
            "completed": bool(fact["solved"]),
        }
        actual = {
            "attempts": row["attempts"],
            "points_earned": row["points_earned"],
            "completed": row["status"] == ProgressStatus.COMPLETED,
        }
        for key, value in expected.items():
            if actual[key] != value:
                drift.append(Drift(row["profile_id"], f"progress {row['pk']} {key}", actual[key], value))
        counts_differ = (actual["attempts"], actual["points_earned"]) != (
            expected["attempts"],
            expected["points_earned"],
        )
        if fix and counts_differ:
            ProblemProgress.objects.filter(pk=row["pk"]).update(
                attempts=expected["attempts"], points_earned=expected["points_earned"]
            )
    for (profile_id, problem_id), fact in facts.items():
        drift.append(
            Drift(profile_id, f"no progress row for problem {problem_id}", None, f"{fact['attempts']} attempts")
        )
    return drift


def first_solve_xp_drift():
    """Every first solve has exactly its points in the ledger, and the ledger pays nothing else."""
    paid = {
        (row["profile_id"], row["source"]): row["amount"]
        for row in XpEntry.objects.filter(reason=XpReason.FIRST_SOLVE).values("profile_id", "source", "amount")
    }
    drift = []
    solves = Submission.objects.filter(is_first_solve=True, points_awarded__gt=0)
    for profile_id, problem_id, points in solves.values_list("profile_id", "problem_id", "points_awarded").iterator(
        chunk_size=20_000
    ):
        amount = paid.pop((profile_id, f"first-solve:{problem_id}"), None)
        if amount != points:
            drift.append(Drift(profile_id, f"first-solve XP for problem {problem_id}", amount, points))
    for (profile_id, source), amount in paid.items():
        drift.append(Drift(profile_id, f"XP for {source} without a first solve", amount, None))
    return drift
