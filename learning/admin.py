from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html

from . import judges
from .markdown import render_markdown
from .models import (
    Goal,
    Module,
    PracticeSession,
    PracticeSessionItem,
    Problem,
    ProblemOfTheDay,
    ProblemOfTheDayCompletion,
    ProblemProgress,
    Submission,
)
from .selectors import problems_forget
from .services.potd import potd_forget


class ReadOnlyAdmin(admin.ModelAdmin):
    """Learner history is an audit trail: staff read it, nobody edits it here."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProblemInline(admin.TabularInline):
    model = Problem
    fields = ("display_order", "slug", "title", "difficulty", "judge_kind", "is_published")
    extra = 0
    ordering = ("display_order",)
    show_change_link = True


@admin.action(description="Publish selected")
def publish(modeladmin, request, queryset):
    count = queryset.update(is_published=True, updated_at=timezone.now())
    problems_forget()
    messages.success(request, f"Published {count}.")


@admin.action(description="Unpublish selected (history is kept)")
def unpublish(modeladmin, request, queryset):
    count = queryset.update(is_published=False, updated_at=timezone.now())
    problems_forget()
    messages.success(request, f"Unpublished {count}.")


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "display_order", "is_published", "updated_at")
    list_editable = ("display_order",)
    list_filter = ("is_published",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("prerequisites",)
    inlines = [ProblemInline]
    actions = [publish, unpublish]


class ProblemAdminForm(forms.ModelForm):
    class Meta:
        model = Problem
        fields = [
            "module", "slug", "title", "difficulty", "display_order", "is_published", "statement", "hint",
            "explanation", "judge_kind", "judge_config", "base_points", "time_bonus_points",
            "time_bonus_window_seconds",
        ]  # fmt: skip
        help_texts = {
            "judge_config": "JSON. Checked against the judge on save; an invalid configuration is never saved.",
        }


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    form = ProblemAdminForm
    list_display = ("title", "slug", "module", "difficulty", "judge_kind", "base_points", "is_published")
    list_filter = ("is_published", "difficulty", "judge_kind", "module")
    search_fields = ("title", "slug", "statement")
    list_select_related = ("module",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("statement_preview", "explanation_preview", "created_at", "updated_at")
    actions = [publish, unpublish]
    fieldsets = (
        (None, {"fields": ("module", "slug", "title", "difficulty", "display_order", "is_published")}),
        ("Statement", {"fields": ("statement", "statement_preview", "hint", "explanation", "explanation_preview")}),
        ("Judging", {"fields": ("judge_kind", "judge_config")}),
        ("Points", {"fields": ("base_points", "time_bonus_points", "time_bonus_window_seconds")}),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="Preview")
    def statement_preview(self, obj):
        return format_html('<div class="markdown-preview">{}</div>', render_markdown(obj.statement))

    @admin.display(description="Explanation preview")
    def explanation_preview(self, obj):
        return format_html('<div class="markdown-preview">{}</div>', render_markdown(obj.explanation))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        kinds = ", ".join(f"{kind} ({label})" for kind, label in judges.choices())
        form.base_fields["judge_kind"].help_text = f"Available judges: {kinds}."
        return form


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "profile", "problem", "is_correct", "score", "points_awarded", "seconds_taken")
    list_filter = ("is_correct", "is_first_solve", "judge_name", "created_at", "problem__module")
    search_fields = ("profile__display_name", "profile__user__email", "problem__slug")
    list_select_related = ("profile", "problem")
    raw_id_fields = ("profile", "problem")
    date_hierarchy = "created_at"


@admin.register(ProblemProgress)
class ProblemProgressAdmin(ReadOnlyAdmin):
    list_display = ("profile", "problem", "status", "attempts", "points_earned", "completed_at", "version")
    list_filter = ("status", "problem__module", "completed_at")
    search_fields = ("profile__display_name", "profile__user__email", "problem__slug")
    list_select_related = ("profile", "problem")


class PracticeSessionItemInline(admin.TabularInline):
    model = PracticeSessionItem
    fields = ("position", "problem", "is_correct", "points", "seconds")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PracticeSession)
class PracticeSessionAdmin(ReadOnlyAdmin):
    list_display = ("profile", "kind", "status", "question_count", "correct_count", "points", "started_at")
    list_filter = ("kind", "status", "started_at")
    search_fields = ("profile__display_name", "profile__user__email")
    list_select_related = ("profile",)
    inlines = [PracticeSessionItemInline]


class ProblemOfTheDayForm(forms.ModelForm):
    class Meta:
        model = ProblemOfTheDay
        fields = ("featured_on", "problem")

    def clean_featured_on(self):
        day = self.cleaned_data["featured_on"]
        # Past days are facts learners completed against; only future days may be set by hand.
        if day < timezone.now().date() and (self.instance.pk is None or self.instance.featured_on != day):
            raise forms.ValidationError("Only today or a future day can be set by hand.")
        return day

    def clean_problem(self):
        problem = self.cleaned_data["problem"]
        if not problem.is_published or not problem.module.is_published:
            raise forms.ValidationError("Choose a published problem.")
        return problem


@admin.register(ProblemOfTheDay)
class ProblemOfTheDayAdmin(admin.ModelAdmin):
    form = ProblemOfTheDayForm
    list_display = ("featured_on", "problem", "source", "completion_count")
    list_filter = ("source",)
    list_select_related = ("problem",)
    date_hierarchy = "featured_on"
    autocomplete_fields = ("problem",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_completions=Count("completions"))

    @admin.display(description="Completions", ordering="_completions")
    def completion_count(self, obj):
        return obj._completions

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.featured_on >= timezone.now().date() and not obj.completions.exists()

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.completions.exists()

    def save_model(self, request, obj, form, change):
        obj.source = ProblemOfTheDay.Source.STAFF
        super().save_model(request, obj, form, change)
        potd_forget(obj.featured_on)
        if change and "featured_on" in form.changed_data:
            potd_forget(form.initial["featured_on"])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        potd_forget(obj.featured_on)


@admin.register(ProblemOfTheDayCompletion)
class ProblemOfTheDayCompletionAdmin(ReadOnlyAdmin):
    list_display = ("problem_of_the_day", "profile", "completed_at")
    list_select_related = ("problem_of_the_day", "profile")
    search_fields = ("profile__display_name",)


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ("profile", "kind", "target", "module", "due_on", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    list_select_related = ("profile", "module")
