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
    # What this learner's board entries last received, so an action that earns no XP costs no
    # board write unless these change (gamification/leaderboards.py). Not derived facts: a stale
    # value only causes one redundant write.
    board_longest_streak = models.PositiveIntegerField(default=0)
    board_is_public = models.BooleanField(default=True)
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


class Board(models.TextChoices):
    ALL_TIME = "all", "All time"
    WEEK = "week", "This week"
    MONTH = "month", "This month"


class BoardEntry(models.Model):
    """One learner's standing on one board for one period, kept current in the same transaction
    as every XP award (so a learner's own rank is fresh at once) and reconciled with the ledger
    by the scheduled refresh.

    Periods are UTC: ISO weeks start on Monday, months on the 1st; the all-time board uses
    ALL_TIME_PERIOD. Ranking: XP, then longest streak, then who reached that XP first.
    """

    board = models.CharField(max_length=5, choices=Board.choices)
    period_start = models.DateField()
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="board_entries")
    xp = models.PositiveIntegerField(default=0)
    longest_streak = models.PositiveIntegerField(default=0)
    reached_at = models.DateTimeField()
    is_public = models.BooleanField(default=True, help_text="Shown on public boards.")

    class Meta:
        verbose_name_plural = "board entries"
        constraints = [
            models.UniqueConstraint(fields=["board", "period_start", "profile"], name="board_entry_once"),
        ]
        indexes = [
            # Serves both the top of a board and "how many are ahead of me" as index range scans.
            models.Index(
                "board",
                "period_start",
                "is_public",
                F("xp").desc(),
                F("longest_streak").desc(),
                "reached_at",
                "profile",
                name="board_entry_rank_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_board_display()} {self.period_start}: {self.profile} {self.xp}"


class BoardScoreCount(models.Model):
    """How many public entries of one board period hold an XP score in one bucket, at three
    widths: level 0 counts each exact score, level 1 scores >> 6 (64 wide), level 2 scores >> 12
    (4,096 wide). "How many are ahead of me" is then a sum over at most a few hundred small rows
    instead of a count of every entry ahead, so a rank costs the same at rank 10 and rank 60,000.

    Kept in the same transaction as every change to an entry's XP or visibility
    (gamification/leaderboards.py) and rebuilt from the entries by the scheduled refresh.
    """

    board = models.CharField(max_length=5, choices=Board.choices)
    period_start = models.DateField()
    level = models.PositiveSmallIntegerField()
    bucket = models.PositiveIntegerField()
    learners = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Its index serves the rank sums as three short ranges.
            models.UniqueConstraint(fields=["board", "period_start", "level", "bucket"], name="board_score_count_once"),
        ]

    def __str__(self):
        return f"{self.board} {self.period_start} L{self.level}/{self.bucket}: {self.learners}"


class BoardRefresh(models.Model):
    """When a board was last reconciled, so pages can say how fresh it is."""

    board = models.CharField(max_length=5, choices=Board.choices)
    period_start = models.DateField()
    refreshed_at = models.DateTimeField()
    rows = models.PositiveIntegerField(default=0)
    corrected = models.PositiveIntegerField(default=0, help_text="Entries that drifted from the ledger and were fixed.")
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["board", "period_start"], name="board_refresh_once")]

    def __str__(self):
        return f"{self.board} {self.period_start} @ {self.refreshed_at:%H:%M:%S}"


class Achievement(models.Model):
    """An achievement defined by staff: a rule kind from the registry and its threshold."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=200)
    icon = models.CharField(max_length=8, blank=True)
    rule = models.CharField(max_length=32, help_text="A rule kind from gamification/achievement_rules.py.")
    threshold = models.PositiveIntegerField(default=1)
    xp_reward = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_order", "pk"]

    def __str__(self):
        return self.name


class EarnedAchievement(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="achievements")
    # An earned achievement is history (its reward is in the ledger): staff switch a definition
    # off rather than delete it once anyone has earned it.
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="earned")
    earned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "achievement"], name="achievement_earned_once")]
        indexes = [models.Index(fields=["profile", "-earned_at"], name="earned_profile_recent_idx")]

    def __str__(self):
        return f"{self.profile} · {self.achievement}"


class Celebration(models.Model):
    """Something worth celebrating (level up, new badge, achievement), shown once on the next
    page the learner sees."""

    class Kind(models.TextChoices):
        LEVEL_UP = "level_up", "Level up"
        BADGE = "badge", "New badge"
        ACHIEVEMENT = "achievement", "Achievement"
        FREEZE = "freeze", "Streak freeze earned"

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="celebrations")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=120)
    body = models.CharField(max_length=240, blank=True)
    icon = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["profile"], condition=Q(seen_at__isnull=True), name="celebration_unseen_idx"),
        ]

    def __str__(self):
        return f"{self.profile}: {self.title}"
