"""Content (modules, problems), what learners did with it (submissions, progress, practice
sessions), the problem of the day and goals. Every learner row points at `accounts.Profile`."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Profile

from . import judges


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"
    EXPERT = "expert", "Expert"


class Module(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, help_text="Markdown.")
    display_order = models.PositiveIntegerField(default=0)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="unlocks", help_text="Modules to complete first."
    )
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_order", "slug"]

    def __str__(self):
        return self.title


class Problem(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="problems")
    title = models.CharField(max_length=160)
    statement = models.TextField(help_text="Markdown; rendered and sanitised.")
    difficulty = models.CharField(max_length=12, choices=Difficulty.choices, default=Difficulty.BEGINNER)
    judge_kind = models.CharField(max_length=32, choices=judges.choices())
    judge_config = models.JSONField(default=dict)
    base_points = models.PositiveIntegerField(default=100)
    time_bonus_points = models.PositiveIntegerField(default=50)
    time_bonus_window_seconds = models.PositiveIntegerField(
        default=300, help_text="The time bonus falls linearly to nothing over this many seconds."
    )
    display_order = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(default=True)
    hint = models.TextField(blank=True)
    explanation = models.TextField(blank=True, help_text="Markdown; shown only once the learner has solved it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["module__display_order", "display_order", "slug"]
        indexes = [models.Index(fields=["module", "display_order"], name="problem_module_order_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(time_bonus_window_seconds__gt=0), name="problem_bonus_window_positive"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        try:
            judge = judges.get_judge(self.judge_kind)
        except judges.UnknownJudge:
            raise ValidationError({"judge_kind": f"Unknown judge “{self.judge_kind}”."}) from None
        try:
            self.judge_config = judge.validate_config(self.judge_config or {})
        except judges.JudgeConfigError as error:
            where = f" (field “{error.field}”)" if getattr(error, "field", None) else ""
            raise ValidationError({"judge_config": f"{error}{where}"}) from None

    @property
    def judge(self):
        return judges.get_judge(self.judge_kind)


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class PracticeSession(models.Model):
    class Kind(models.TextChoices):
        MODULE = "module", "One module"
        MIXED = "mixed", "All unlocked modules"
        REVIEW = "review", "Review my mistakes"

    class Status(models.TextChoices):
        ACTIVE = "active", "In progress"
        COMPLETED = "completed", "Completed"
        EXPIRED = "expired", "Expired"

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="practice_sessions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # Results, written once when the session ends; derivable from the items.
    question_count = models.PositiveSmallIntegerField()
    answered_count = models.PositiveSmallIntegerField(default=0)
    correct_count = models.PositiveSmallIntegerField(default=0)
    points = models.PositiveIntegerField(default=0)
    seconds = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["profile", "-started_at"], name="session_profile_recent_idx")]
        constraints = [
            # At most one session in progress per learner: a double-clicked "Start" makes one.
            models.UniqueConstraint(fields=["profile"], condition=Q(status="active"), name="session_one_active"),
            models.CheckConstraint(
                condition=Q(correct_count__lte=F("question_count")), name="session_correct_le_total"
            ),
        ]

    def __str__(self):
        return f"{self.profile} · {self.get_kind_display()} · {self.started_at:%Y-%m-%d}"

    @property
    def accuracy(self):
        """Share of questions answered correctly, 0–100 (unanswered count as wrong)."""
        return round(100 * self.correct_count / self.question_count) if self.question_count else 0


class Submission(models.Model):
    """Every answer ever given: the audit trail. Never deleted by normal operation."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="submissions")
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="submissions")
    answer = models.JSONField()
    is_correct = models.BooleanField()
    score = models.PositiveSmallIntegerField()
    feedback = models.TextField(blank=True)
    judge_name = models.CharField(max_length=32)
    judge_version = models.CharField(max_length=16)
    seconds_taken = models.PositiveIntegerField()
    points_awarded = models.PositiveIntegerField(default=0)
    is_first_solve = models.BooleanField(default=False)
    practice_session = models.ForeignKey(
        PracticeSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["profile", "-created_at"], name="submission_profile_recent_idx"),
            models.Index(fields=["problem", "-created_at"], name="submission_problem_recent_idx"),
        ]
        constraints = [
            # The last line of defence against paying a problem twice.
            models.UniqueConstraint(
                fields=["profile", "problem"], condition=Q(is_first_solve=True), name="submission_one_first_solve"
            ),
            models.UniqueConstraint(
                fields=["profile", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="submission_idempotency_key_unique",
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="submission_score_range"),
            models.CheckConstraint(
                condition=Q(is_first_solve=True) | Q(points_awarded=0), name="submission_points_only_first_solve"
            ),
        ]

    def __str__(self):
        return f"{self.profile} · {self.problem} · {'✓' if self.is_correct else '✗'}"


class ProblemProgress(models.Model):
    """One learner's state on one problem. `version` increases on every change so a client
    holding a stale copy is refused (optimistic locking)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="problem_progress")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.NOT_STARTED)
    attempts = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True, help_text="When the learner first opened it.")
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    time_spent_seconds = models.PositiveIntegerField(default=0)
    best_submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    points_earned = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "problem progress"
        constraints = [
            models.UniqueConstraint(fields=["profile", "problem"], name="progress_one_per_profile_problem"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False), name="progress_completed_has_time"
            ),
        ]
        indexes = [models.Index(fields=["profile", "status"], name="progress_profile_status_idx")]

    def __str__(self):
        return f"{self.profile} · {self.problem} · {self.get_status_display()}"


class PracticeSessionItem(models.Model):
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="items")
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_correct = models.BooleanField(null=True)
    points = models.PositiveIntegerField(default=0)
    seconds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="session_item_position_unique"),
            models.UniqueConstraint(fields=["session", "problem"], name="session_item_problem_unique"),
        ]

    def __str__(self):
        return f"{self.session_id} #{self.position}"


class ProblemOfTheDay(models.Model):
    """The problem featured on one calendar date (learners' local dates)."""

    class Source(models.TextChoices):
        AUTO = "auto", "Chosen automatically"
        STAFF = "staff", "Set by staff"

    featured_on = models.DateField(unique=True)
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="featured_days")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.AUTO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-featured_on"]
        verbose_name = "problem of the day"
        verbose_name_plural = "problems of the day"

    def __str__(self):
        return f"{self.featured_on}: {self.problem}"


class ProblemOfTheDayCompletion(models.Model):
    """A learner solved the day's problem on that local date. A fact kept forever."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="potd_completions")
    problem_of_the_day = models.ForeignKey(ProblemOfTheDay, on_delete=models.PROTECT, related_name="completions")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "problem_of_the_day"], name="potd_completion_once"),
        ]

    def __str__(self):
        return f"{self.profile} · {self.problem_of_the_day}"


class Goal(models.Model):
    """A learner's target. Progress is never stored: it is computed from submissions."""

    class Kind(models.TextChoices):
        DAILY_POINTS = "daily_points", "Points each day"
        WEEKLY_PROBLEMS = "weekly_problems", "Problems solved each week"
        MODULE_BY_DATE = "module_by_date", "Finish a module by a date"

    DAILY_PRESETS = {"casual": 100, "regular": 250, "serious": 500}

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    target = models.PositiveIntegerField(default=0, help_text="Points a day, or problems a week.")
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One daily goal at a time; choosing a new level replaces it.
            models.UniqueConstraint(
                fields=["profile"], condition=Q(kind="daily_points", is_active=True), name="goal_one_active_daily"
            ),
            models.CheckConstraint(
                condition=~Q(kind="module_by_date") | (Q(module__isnull=False) & Q(due_on__isnull=False)),
                name="goal_module_goal_complete",
            ),
            models.CheckConstraint(condition=Q(kind="module_by_date") | Q(target__gt=0), name="goal_target_positive"),
        ]

    def __str__(self):
        return f"{self.profile} · {self.get_kind_display()}"
