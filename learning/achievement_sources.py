"""Facts the achievement rules need for a backfill that only learning holds: who has had a
perfect practice session, a fast first solve, or completed enough modules. Registered with
gamification from LearningConfig.ready(), so gamification never imports learning."""

from collections import Counter

from django.db.models import Count, F, Q

from gamification.achievement_rules import register_backfill_source

from .models import Module, PracticeSession, ProblemProgress, ProgressStatus, Submission


def perfect_session_profile_ids(threshold, ids):
    """Learners in `ids` with a completed session of at least `threshold` questions, all correct."""
    sessions = PracticeSession.objects.filter(
        status=PracticeSession.Status.COMPLETED, question_count__gte=threshold, correct_count=F("question_count")
    )
    return ids.of(sessions).values_list("profile_id", flat=True).distinct()


def speed_solve_profile_ids(threshold, ids):
    """Learners in `ids` with a first solve that took at most `threshold` seconds."""
    return (
        ids.of(Submission.objects.filter(is_first_solve=True, seconds_taken__lte=threshold))
        .values_list("profile_id", flat=True)
        .distinct()
    )


def modules_completed_profile_ids(threshold, ids):
    """Learners in `ids` who completed at least `threshold` published modules (as
    `selectors.completed_module_count` counts them), in two grouped queries."""
    totals = dict(
        Module.objects.filter(is_published=True)
        .annotate(n=Count("problems", filter=Q(problems__is_published=True)))
        .filter(n__gt=0)
        .values_list("pk", "n")
    )
    progress = ProblemProgress.objects.filter(
        status=ProgressStatus.COMPLETED, problem__is_published=True, problem__module_id__in=list(totals)
    )
    solved = (
        ids.of(progress)
        .values("profile_id", "problem__module_id")
        .annotate(n=Count("pk"))
        .values_list("profile_id", "problem__module_id", "n")
    )
    completed = Counter(profile_id for profile_id, module_id, n in solved if n >= totals[module_id])
    return {profile_id for profile_id, modules in completed.items() if modules >= threshold}


def register():
    register_backfill_source("perfect_session", perfect_session_profile_ids)
    register_backfill_source("speed_solve", speed_solve_profile_ids)
    register_backfill_source("modules_completed", modules_completed_profile_ids)
