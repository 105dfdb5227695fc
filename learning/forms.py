"""Forms for the learning pages. They shape and label input only: whether an answer is well
formed is the judge's call and every rule (ranges, locks, one active session) is a service's,
whose `DomainError`s are copied onto these forms with `accounts.forms.add_domain_error`."""

import random
import uuid

from django import forms

from .models import Goal, Module, PracticeSession
from .services.sessions import SESSION_SIZES

# --- answering ---------------------------------------------------------------------------------


def new_idempotency_key():
    """A one-time key for one rendering of an answer form, so a double-clicked submit records once."""
    return uuid.uuid4().hex


def ordered_choices(problem, public_config, *, profile):
    """The options of a choice problem as (key, text) pairs. When the problem asks for shuffling,
    the order is shuffled once per learner and problem (seeded), so it does not jump about
    between a wrong answer and the retry."""
    options = [(option["key"], option["text"]) for option in public_config.get("choices", [])]
    if public_config.get("shuffle"):
        random.Random(f"{getattr(profile, 'pk', 0)}:{problem.pk}").shuffle(options)
    return options


class AnswerForm(forms.Form):
    """The answer widget that fits the problem's judge. Built from `judge.public_config`, never from
    the stored config, so nothing rendered can reveal the answer. The fields are all optional
    here: emptiness and format are checked by the judge, whose message becomes the field error."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)

    def __init__(self, *args, problem, profile, **kwargs):
        super().__init__(*args, **kwargs)
        judge = problem.judge
        self.input_type = judge.input_type
        self.public_config = judge.public_config(problem.judge_config)
        self.unit = self.public_config.get("unit")
        self.min_words = self.public_config.get("min_words")
        attrs = {"autocomplete": "off", "spellcheck": "false"}
        if judge.input_type == "single_choice":
            field = forms.ChoiceField(
                choices=ordered_choices(problem, self.public_config, profile=profile),
                widget=forms.RadioSelect(attrs={"class": "choice-input"}),
                required=False,
            )
        elif judge.input_type == "multiple_choice":
            field = forms.MultipleChoiceField(
                choices=ordered_choices(problem, self.public_config, profile=profile),
                widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-input"}),
                required=False,
                help_text="Choose every option that applies.",
            )
        elif judge.input_type == "textarea":
            field = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
                max_length=judge.max_answer_length,
                required=False,
                strip=False,
            )
        elif judge.input_type == "number":
            field = forms.CharField(
                widget=forms.TextInput(attrs={**attrs, "inputmode": "decimal", "class": "answer-number"}),
                max_length=judge.max_answer_length,
                required=False,
                strip=False,
            )
        else:
            field = forms.CharField(
                widget=forms.TextInput(attrs=attrs),
                max_length=judge.max_answer_length,
                required=False,
                strip=False,
            )
        field.label = "Your answer"
        self.fields["answer"] = field
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())

    @property
    def is_choice(self):
        return self.input_type in ("single_choice", "multiple_choice")

    def answer_value(self):
        """The answer as the judge expects it: a string, or a list of keys for multiple choice."""
        return self.cleaned_data.get("answer")

    def submitted_key(self):
        return self.cleaned_data.get("idempotency_key") or None


# --- practice ----------------------------------------------------------------------------------


class PracticeStartForm(forms.Form):
    kind = forms.ChoiceField(
        choices=PracticeSession.Kind.choices,
        widget=forms.RadioSelect,
        initial=PracticeSession.Kind.MIXED,
        label="What to practise",
    )
    size = forms.TypedChoiceField(
        choices=[(n, f"{n} questions") for n in SESSION_SIZES],
        coerce=int,
        initial=10,
        label="How many questions",
    )
    module = forms.ModelChoiceField(
        queryset=Module.objects.none(),
        required=False,
        empty_label="Choose a module",
        label="Module",
        help_text="Only for “One module”. Locked modules are not listed.",
    )

    def __init__(self, *args, unlocked_modules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = Module.objects.filter(pk__in=[m.pk for m in unlocked_modules]).order_by(
            "display_order", "slug"
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("kind") == PracticeSession.Kind.MODULE
            and not cleaned.get("module")
            and "module" not in self.errors
        ):
            self.add_error("module", "Choose a module to practise.")
        return cleaned


# --- goals -------------------------------------------------------------------------------------

DAILY_LEVEL_CHOICES = [
    (level, f"{level.title()} · {points} points a day") for level, points in Goal.DAILY_PRESETS.items()
]
DAILY_LEVEL_CHOICES.append(("custom", "Custom"))


class DailyGoalForm(forms.Form):
    form_name = "daily"

    level = forms.ChoiceField(choices=DAILY_LEVEL_CHOICES, widget=forms.RadioSelect, initial="regular", label="Level")
    points = forms.IntegerField(
        required=False, min_value=0, label="Custom points a day", help_text="Only for “Custom”: 10 to 10,000."
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("level") == "custom" and cleaned.get("points") is None and "points" not in self.errors:
            self.add_error("points", "Enter a number of points for a custom goal.")
        return cleaned


class WeeklyGoalForm(forms.Form):
    form_name = "weekly"

    target = forms.IntegerField(min_value=0, label="Problems to solve each week", initial=10)


class ModuleGoalForm(forms.Form):
    form_name = "module"

    module = forms.ModelChoiceField(queryset=Module.objects.none(), empty_label="Choose a module", label="Module")
    due_on = forms.DateField(label="Finish by", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = Module.objects.filter(is_published=True).order_by("display_order", "slug")
