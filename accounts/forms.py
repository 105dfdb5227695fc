"""Forms for the server-rendered account pages.

Forms only shape and label input; the rules (unique email, password strength, permissions)
live in `accounts.services`, whose `DomainError`s are copied onto the form with
`add_domain_error`.
"""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from .lockout import LockedOut, check_not_locked
from .models import AVATAR_COLOURS, LinkRole

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def add_domain_error(form, error, *, field_map=None):
    """Copy a service's `DomainError` onto `form`: per field where the form has that field,
    otherwise as a non-field error; the error's message when it names no field."""
    field_map = field_map or {}
    if not error.fields:
        form.add_error(None, error.message)
        return
    for field, messages in error.fields.items():
        name = field_map.get(field, field)
        target = name if name in form.fields else None
        if field in ("non_field_errors", NON_FIELD_ERRORS):
            target = None
        for message in messages:
            form.add_error(target, message)


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with email; says so plainly when the account is locked out."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match. Check both and try again.",
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "login_locked_out", False):
                raise ValidationError(self._lockout_message(), code="locked_out") from None
            raise

    def _lockout_message(self):
        try:
            check_not_locked(self.cleaned_data.get("username"))
        except LockedOut as error:
            return error.message
        minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
        return (
            f"Too many failed sign-in attempts for this account. Try again in {minutes} minutes or reset your password."
        )


class PasswordPairMixin:
    """Two password fields that must match; strength is checked by the service."""

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        return cleaned


def _password_field(label, *, new=True):
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password" if new else "current-password"}),
    )


class SignupForm(PasswordPairMixin, forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(
        label="Display name",
        max_length=60,
        help_text="Shown on leaderboards and to your family or teachers.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=TIME_ZONE_CHOICES,
        initial="UTC",
        help_text="Decides when your day (and your streak) starts.",
    )
    password1 = _password_field("Password")
    password2 = _password_field("Confirm password")

    field_map = {"password": "password1"}


class ProfileSettingsForm(forms.Form):
    display_name = forms.CharField(label="Display name", max_length=60)
    time_zone = forms.ChoiceField(label="Time zone", choices=TIME_ZONE_CHOICES)
    avatar_emoji = forms.CharField(
        label="Avatar emoji",
        max_length=8,
        required=False,
        help_text="One emoji, or leave empty to show your initials.",
    )
    avatar_colour = forms.ChoiceField(label="Avatar colour", choices=AVATAR_COLOURS, widget=forms.RadioSelect)
    show_on_leaderboards = forms.BooleanField(
        label="Show me on public leaderboards",
        required=False,
        help_text="Only your display name and XP are shown.",
    )


class LeaderboardOptInForm(forms.Form):
    show_on_leaderboards = forms.BooleanField(required=False)


class PrefixedIdsMixin:
    """Several small forms share the family page; distinct ids keep every label pointing at its own input."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ManagedProfileForm(PrefixedIdsMixin, forms.Form):
    id_prefix = "new"
    display_name = forms.CharField(label="Learner's name", max_length=60)
    role = forms.ChoiceField(label="You are their", choices=LinkRole.choices, initial=LinkRole.PARENT)
    avatar_emoji = forms.CharField(label="Emoji", max_length=8, required=False)


class RenameForm(forms.Form):
    display_name = forms.CharField(label="New name", max_length=60)


class LinkCodeForm(PrefixedIdsMixin, forms.Form):
    id_prefix = "code"
    role = forms.ChoiceField(label="You are their", choices=LinkRole.choices, initial=LinkRole.PARENT)


class LinkAcceptForm(forms.Form):
    code = forms.CharField(
        label="Link code",
        max_length=32,
        help_text="The 8-character code your parent or teacher gave you. Dashes and spaces are fine.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def __init__(self, *args, profiles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.profiles = {str(profile.pk): profile for profile in profiles}
        # Always a field, so a tampered id is an error rather than silently ignored; hidden
        # when the user has only their own profile to choose.
        self.fields["profile"] = forms.ChoiceField(
            label="Link which learner?",
            choices=[(key, profile.display_name) for key, profile in self.profiles.items()],
            required=False,
            widget=forms.Select if len(self.profiles) > 1 else forms.HiddenInput,
            error_messages={"invalid_choice": "You can only accept a code for yourself or a learner you manage."},
        )
        if self.profiles:
            self.fields["profile"].initial = next(iter(self.profiles))

    def chosen_profile(self):
        """The learner the code is for, or None for the user's own profile."""
        key = self.cleaned_data.get("profile")
        return self.profiles.get(key) if key else None


class DeleteProfileForm(forms.Form):
    confirm_name = forms.CharField(label="Type the learner's name to confirm", max_length=60)

    def __init__(self, *args, profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"].strip()
        if typed.casefold() != self.profile.display_name.strip().casefold():
            raise ValidationError("That is not the learner's name; nothing was deleted.", code="mismatch")
        return typed


class GraduateForm(PasswordPairMixin, forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = _password_field("Choose a password")
    password2 = _password_field("Confirm password")

    field_map = {"password": "password1"}
