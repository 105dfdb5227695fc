from functools import partial
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django_q.tasks import async_task

from .achievement_rules import rule_choices, rule_get
from .badges import badges_reassign
from .models import Achievement, Badge, Celebration, EarnedAchievement, ProfileStats, XpEntry
from .services import stats_check
from .tasks import BACKFILL_TASK_GROUP, backfill_achievement, backfill_task_name


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger and history: staff read them, nobody edits them here."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    """Badges are ranks: after any change every learner holds the badge their totals reach now."""

    list_display = ("name", "icon", "required_points", "required_problems")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._reassign(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._reassign(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._reassign(request)

    def _reassign(self, request):
        moved = badges_reassign()
        self.message_user(request, f"Badges re-ranked: {moved} learner{'s' if moved != 1 else ''} changed badge.")


class AchievementAdminForm(forms.ModelForm):
    rule = forms.ChoiceField(choices=rule_choices)

    class Meta:
        model = Achievement
        fields = [
            "slug",
            "name",
            "description",
            "icon",
            "rule",
            "threshold",
            "xp_reward",
            "is_active",
            "display_order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["threshold"].help_text = " ".join(
            f"{label}: {rule_get(kind).threshold_help}" for kind, label in rule_choices()
        )

    def clean_rule(self):
        rule = self.cleaned_data["rule"]
        if rule_get(rule) is None:
            raise ValidationError("Unknown rule kind.")
        return rule


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    form = AchievementAdminForm
    list_display = ("name", "icon", "rule", "threshold", "xp_reward", "is_active", "display_order")
    list_editable = ("is_active", "display_order")
    list_filter = ("is_active", "rule")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    actions = ["backfill"]

    @admin.action(description="Backfill: award to everyone who already qualifies (queued)")
    def backfill(self, request, queryset):
        """Queue one backfill task per active achievement; a backfill walks every learner, too
        long for a request (it runs in parts, see `tasks.backfill_achievement`). The last part's
        result (learners awarded) lands in django-q2's admin."""
        query = urlencode({"group": BACKFILL_TASK_GROUP})
        done_url = f"{reverse('admin:django_q_success_changelist')}?{query}"
        failed_url = f"{reverse('admin:django_q_failure_changelist')}?{query}"
        for achievement in queryset:
            if not achievement.is_active:
                self.message_user(request, f"{achievement}: inactive, nobody awarded.", messages.WARNING)
                continue
            task_name = backfill_task_name(achievement)
            # On commit: should this ever run inside a transaction, a sync-mode task would run
            # inside it too, and a backfill opens durable transactions of its own.
            transaction.on_commit(
                partial(
                    async_task, backfill_achievement, achievement.pk, task_name=task_name, group=BACKFILL_TASK_GROUP
                )
            )
            self.message_user(
                request,
                format_html(
                    '{}: backfill queued as task "{}". Once it has run, the number of learners awarded'
                    ' is under <a href="{}">Successful tasks</a> (or <a href="{}">Failed tasks</a>).',
                    achievement,
                    task_name,
                    done_url,
                    failed_url,
                ),
                messages.SUCCESS,
            )


@admin.register(XpEntry)
class XpEntryAdmin(ReadOnlyAdmin):
    list_display = ("profile", "amount", "reason", "source", "earned_on", "created_at")
    list_filter = ("reason", "earned_on")
    list_select_related = ("profile",)
    search_fields = ("profile__display_name", "source")
    date_hierarchy = "earned_on"


@admin.register(ProfileStats)
class ProfileStatsAdmin(ReadOnlyAdmin):
    list_display = ("profile", "total_xp", "level", "problems_solved", "current_streak", "longest_streak", "badge")
    list_select_related = ("profile", "badge")
    search_fields = ("profile__display_name",)
    actions = ["recompute"]

    def has_change_permission(self, request, obj=None):
        # Actions need change permission; the form itself shows every field read-only.
        return request.user.is_staff and obj is None

    @admin.action(description="Recompute from the ledger")
    def recompute(self, request, queryset):
        fixed = [stats.profile_id for stats in queryset if stats_check(stats.profile_id, fix=True)]
        self.message_user(request, f"Checked {queryset.count()}; repaired {len(fixed)}.", messages.SUCCESS)


@admin.register(EarnedAchievement)
class EarnedAchievementAdmin(ReadOnlyAdmin):
    list_display = ("profile", "achievement", "earned_at")
    list_filter = ("achievement",)
    list_select_related = ("profile", "achievement")
    search_fields = ("profile__display_name",)


@admin.register(Celebration)
class CelebrationAdmin(ReadOnlyAdmin):
    list_display = ("profile", "kind", "title", "created_at", "seen_at")
    list_filter = ("kind",)
    list_select_related = ("profile",)
    search_fields = ("profile__display_name",)
