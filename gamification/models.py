"""XP ledger (the source of truth), cached stats derived from it, streak days and badges."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Profile

MAX_STREAK_FREEZES = 2


class XpReason(models.TextChoices):
    FIRST_SOLVE = "first_solve", "Solved a problem"
    PROBLEM_OF_THE_DAY = "problem_of_the_day", "Problem of the day"
    DAILY_GOAL = "daily_goal", "Daily goal met"
    ACHIEVEMENT = "achievement", "Achievement"


class XpEntry(models.Model):
    """One award of XP. Append-only: corrections are new entries, never edits."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="xp_entries")
    amount = models.PositiveIntegerField()
    reason = models.CharField(max_length=24, choices=XpReason.choices)
    source = models.CharField(max_length=100, help_text="What earned it, e.g. submission:42; unique per learner.")
    earned_on = models.DateField(help_text="The learner's local date when it was earned.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "XP entry"
        verbose_name_plural = "XP ledger"
        constraints = [
            # A second award for the same thing is impossible, whatever the application does.
            models.UniqueConstraint(fields=["profile", "source"], name="xp_entry_once_per_source"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="xp_entry_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["profile", "-created_at"], name="xp_entry_profile_recent_idx"),
            models.Index(fields=["created_at"], name="xp_entry_created_idx"),
        ]

    def __str__(self):
        return f"{self.profile} +{self.amount} ({self.get_reason_display()})"


class Badge(models.Model):
    """A rank reached by total XP and problems solved together."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=40)
    icon = models.CharField(max_length=8, blank=True)
    description = models.CharField(max_length=200, blank=True)
    required_points = models.PositiveIntegerField()
    required_problems = models.PositiveIntegerField()

    class Meta:
        ordering = ["required_points", "required_problems"]

    def __str__(self):
        return self.name


class ProfileStats(models.Model):
    """Cached totals for one learner, updated in the same transaction as every award and
    recomputable from the ledger and the facts (`manage.py check_integrity`)."""

    profile = models.OneToOneField(Profile, on_delete=models.CASCADE, primary_key=True, related_name="stats")
    total_xp = models.PositiveIntegerField(default=0)
    level = models.PositiveIntegerField(default=1)
    problems_solved = models.PositiveIntegerField(default=0)
    current_streak = models.PositiveIntegerField(default=0)
    longest_streak = models.PositiveIntegerField(default=0)
    last_active_on = models.DateField(null=True, blank=True)
    streak_freezes = models.PositiveSmallIntegerField(default=0)
    badge = models.ForeignKey(Badge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    xp_reached_at = models.DateTimeField(null=True, blank=True, help_text="When total XP last grew (ties on boards).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "profile stats"
        constraints = [
            models.CheckConstraint(
                condition=Q(streak_freezes__lte=MAX_STREAK_FREEZES), name="stats_streak_freezes_max"
            ),
            models.CheckConstraint(
                condition=Q(current_streak__lte=F("longest_streak")), name="stats_current_le_longest"
            ),
        ]

    def __str__(self):
        return f"{self.profile}: {self.total_xp} XP"


class ActivityDay(models.Model):
    """A local calendar day on which the learner was active, or which a streak freeze covered.
    One row per learner and day, upserted and never deleted."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="activity_days")
    day = models.DateField()
    is_frozen = models.BooleanField(default=False, help_text="Covered by a streak freeze, not by activity.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "day"], name="activity_day_once")]

    def __str__(self):
        return f"{self.profile} · {self.day}{' (frozen)' if self.is_frozen else ''}"
