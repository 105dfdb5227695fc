"""Server-rendered account pages. Thin: every rule lives in services, acting, export and
permissions; these views only turn requests into calls and `DomainError`s into pages."""

import json

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from . import acting, permissions, services
from .errors import Conflict, DomainError, Gone, NotFound, PermissionDenied
from .export import profile_export
from .forms import (
    DeleteProfileForm,
    EmailAuthenticationForm,
    GraduateForm,
    LeaderboardOptInForm,
    LinkAcceptForm,
    LinkCodeForm,
    ManagedProfileForm,
    ProfileSettingsForm,
    RenameForm,
    SignupForm,
    add_domain_error,
)
from .lockout import clear_failures
from .models import GraduationInvite, LinkCode, ProfileLink
from .shortcuts import profile_or_404

INVALID = 400  # status for a form post that is re-rendered with errors


# --- helpers ---------------------------------------------------------------------------------


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def _own_profile(request):
    try:
        return services.get_own_profile(request.user)
    except NotFound:
        raise Http404("This account has no profile.") from None


# --- home, sign up, sign in ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                time_zone=data["time_zone"],
            )
        except DomainError as error:
            add_domain_error(form, error, field_map=form.field_map)
        else:
            login(request, user, backend="accounts.backends.EmailBackend")
            messages.success(request, f"Welcome to Learnloop, {user.profile.display_name}!")
            return redirect("home")
    status = INVALID if request.method == "POST" else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=INVALID)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # The lockout message promises that a reset gets you back in.
        clear_failures(form.user.email)
        return response


# --- account settings ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request):
    profile = _own_profile(request)
    initial = {
        "display_name": profile.display_name,
        "time_zone": profile.time_zone,
        "avatar_emoji": profile.avatar_emoji,
        "avatar_colour": profile.avatar_colour,
        "show_on_leaderboards": profile.show_on_leaderboards,
    }
    form = ProfileSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(actor=request.user, profile=profile, **form.cleaned_data)
        except DomainError as error:
            profile.refresh_from_db()
            add_domain_error(form, error)
        else:
            messages.success(request, "Your settings are saved.")
            return redirect("accounts:settings")
    status = INVALID if request.method == "POST" else 200
    return render(request, "accounts/settings.html", {"form": form, "profile": profile}, status=status)


# --- family & students -----------------------------------------------------------------------


def _family_context(request, *, create_form=None, code_form=None, rename_forms=None):
    user = request.user
    rename_forms = rename_forms or {}
    links = {link.profile_id: link for link in ProfileLink.objects.filter(user=user)}
    rows = []
    for profile in permissions.profiles_visible_to(user).exclude(user=user):
        link = links.get(profile.pk)
        # Prime the permission module's per-profile memo so the checks below cost no query.
        profile.__dict__["_link_role_cache"] = {user.pk: link.role if link else None}
        if link is not None:
            link.profile = profile
        rows.append(
            {
                "profile": profile,
                "link": link,
                "can_manage": permissions.can_manage(user, profile),
                "can_act": permissions.can_act_as(user, profile),
                "removable": link is not None and not services.link_is_permanent(link),
                "rename_form": rename_forms.get(profile.pk)
                or RenameForm(initial={"display_name": profile.display_name}, auto_id=f"id_rename{profile.pk}_%s"),
            }
        )
    codes = LinkCode.objects.filter(created_by=user, used_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-created_at"
    )
    return {
        "rows": rows,
        "codes": list(codes),
        "create_form": create_form or ManagedProfileForm(),
        "code_form": code_form or LinkCodeForm(),
    }


def _render_family(request, status=200, **forms):
    return render(request, "accounts/family.html", _family_context(request, **forms), status=status)


@login_required
def family(request):
    return _render_family(request)


@login_required
@require_POST
def managed_profile_create(request):
    form = ManagedProfileForm(request.POST)
    if form.is_valid():
        try:
            profile = services.managed_profile_create(guardian=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{profile.display_name} is ready to learn. Switch to them in the header.")
            return redirect("accounts:family")
    return _render_family(request, status=INVALID, create_form=form)


@login_required
@require_POST
def profile_rename(request, profile_id):
    profile = profile_or_404(request.user, profile_id, permissions.MANAGE)
    form = RenameForm(request.POST, auto_id=f"id_rename{profile.pk}_%s")
    if form.is_valid():
        old_name = profile.display_name
        try:
            services.profile_update(actor=request.user, profile=profile, display_name=form.cleaned_data["display_name"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{old_name} is now called {profile.display_name}.")
            return redirect("accounts:family")
    return _render_family(request, status=INVALID, rename_forms={profile.pk: form})


@login_required
@require_POST
def profile_leaderboards(request, profile_id):
    """A guardian shows or hides a learner on public leaderboards (children start hidden)."""
    profile = profile_or_404(request.user, profile_id, permissions.MANAGE)
    form = LeaderboardOptInForm(request.POST)
    form.is_valid()  # a missing checkbox is "off"; there is nothing else to get wrong
    shown = form.cleaned_data.get("show_on_leaderboards", False)
    services.profile_update(actor=request.user, profile=profile, show_on_leaderboards=shown)
    where = "shown on" if shown else "hidden from"
    messages.success(request, f"{profile.display_name} is {where} public leaderboards (boards update within a minute).")
    return redirect("accounts:family")


@login_required
@require_http_methods(["GET", "POST"])
def profile_delete(request, profile_id):
    profile = profile_or_404(request.user, profile_id, permissions.MANAGE)
    if not profile.is_managed:
        messages.error(request, f"{profile.display_name} has their own account now; only they can delete it.")
        return redirect("accounts:family")
    form = DeleteProfileForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.managed_profile_delete(actor=request.user, profile=profile)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("accounts:family")
        messages.success(request, f"{profile.display_name} and everything recorded for them were deleted.")
        return redirect("accounts:family")
    status = INVALID if request.method == "POST" else 200
    return render(request, "accounts/profile_delete.html", {"form": form, "profile": profile}, status=status)


@login_required
@require_http_methods(["GET"])
def profile_export_download(request, profile_id):
    profile = profile_or_404(request.user, profile_id, permissions.MANAGE)
    data = profile_export(actor=request.user, profile=profile)
    name = slugify(profile.display_name) or "learner"
    filename = f"learnloop-{name}-{profile.local_today().isoformat()}.json"
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def graduation_invite(request, profile_id):
    """GET shows the live invite link for a managed child; POST makes a new one."""
    profile = profile_or_404(request.user, profile_id, permissions.MANAGE)
    if request.method == "POST":
        try:
            services.graduation_invite_create(actor=request.user, profile=profile)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("accounts:family")
        messages.success(request, f"Invite link created. Hand it to {profile.display_name}; it works once.")
        return redirect("accounts:graduation_invite", profile_id=profile.pk)
    if not profile.is_managed:
        messages.info(request, f"{profile.display_name} already has their own account.")
        return redirect("accounts:family")
    invite = (
        GraduationInvite.objects.filter(profile=profile, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    invite_url = request.build_absolute_uri(reverse("accounts:graduate", args=[invite.token])) if invite else None
    response = render(
        request, "accounts/graduation_invite.html", {"profile": profile, "invite": invite, "invite_url": invite_url}
    )
    response["Cache-Control"] = "no-store"
    return response


# --- link codes and access -------------------------------------------------------------------


@login_required
@require_POST
def link_code_create(request):
    form = LinkCodeForm(request.POST)
    if form.is_valid():
        try:
            code = services.link_code_create(user=request.user, role=form.cleaned_data["role"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"New code {code.code}: give it to the learner to accept.")
            return redirect("accounts:family")
    return _render_family(request, status=INVALID, code_form=form)


def _manageable_profiles(user):
    return [profile for profile in permissions.profiles_actable_by(user) if permissions.can_manage(user, profile)]


@login_required
@require_http_methods(["GET", "POST"])
def link_accept(request):
    profiles = sorted(_manageable_profiles(request.user), key=lambda p: (p.user_id != request.user.pk, p.display_name))
    form = LinkAcceptForm(request.POST or None, profiles=profiles)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.link_code_accept(
                user=request.user, code=form.cleaned_data["code"], profile=form.chosen_profile()
            )
        except DomainError as error:
            # The service's message is the friendlier one ("That code has expired. Ask for a new one.").
            form.add_error("code" if "code" in error.fields else None, error.message)
        else:
            holder = link.user.profile.display_name if hasattr(link.user, "profile") else link.user.email
            messages.success(
                request, f"Linked: {holder} ({link.get_role_display().lower()}) can now see {link.profile}'s progress."
            )
            return redirect("accounts:profile_access", profile_id=link.profile_id)
    status = INVALID if request.method == "POST" else 200
    return render(request, "accounts/link_accept.html", {"form": form}, status=status)


@login_required
def profile_access(request, profile_id):
    profile = profile_or_404(request.user, profile_id, permissions.MANAGE)
    entries = []
    for entry in services.profile_access_list(profile=profile):
        link = entry.link
        removable = (
            link is not None
            and permissions.can_remove_link(request.user, link)
            and not services.link_is_permanent(link)
        )
        entries.append({"entry": entry, "removable": removable})
    return render(request, "accounts/profile_access.html", {"profile": profile, "entries": entries})


@login_required
@require_POST
def link_remove(request, link_id):
    link = ProfileLink.objects.select_related("profile", "user").filter(pk=link_id).first()
    if link is None or not permissions.can_remove_link(request.user, link):
        if link is not None and permissions.can_view(request.user, link.profile):
            raise DjangoPermissionDenied("You may not remove this link.")
        raise Http404("No such link.")
    try:
        services.link_remove(actor=request.user, link=link)
    except (Conflict, PermissionDenied) as error:
        messages.error(request, error.message)
    else:
        if link.user_id == request.user.pk:
            messages.success(request, f"You no longer have access to {link.profile}.")
            return redirect("accounts:family")
        messages.success(request, f"{link.user.email} no longer has access to {link.profile}.")
    return redirect(_safe_next(request, default="accounts:family"))


# --- who's learning --------------------------------------------------------------------------


@login_required
@require_POST
def acting_switch(request):
    profile = profile_or_404(request.user, request.POST.get("profile_id"), permissions.ACT)
    try:
        acting.acting_start(request, profile)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from None
    if profile.user_id == request.user.pk:
        messages.info(request, "You are learning as yourself again.")
    else:
        messages.info(request, f"You are now learning as {profile.display_name}.")
    return redirect(_safe_next(request))


@login_required
@require_POST
def acting_stop(request):
    acting.acting_stop(request)
    messages.info(request, "You are learning as yourself again.")
    return redirect(_safe_next(request))


# --- graduation ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def graduate(request, token):
    """Public: a managed child takes over their profile with their own login."""
    try:
        invite = services.graduation_invite_get(token=token)
    except NotFound:
        raise Http404("This invitation link is not valid.") from None
    except Gone as error:
        return render(request, "accounts/graduate_gone.html", {"message": error.message}, status=410)
    form = GraduateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.graduation_accept(
                token=token, email=form.cleaned_data["email"], password=form.cleaned_data["password1"]
            )
        except Gone as error:
            return render(request, "accounts/graduate_gone.html", {"message": error.message}, status=410)
        except DomainError as error:
            add_domain_error(form, error, field_map=form.field_map)
        else:
            login(request, user, backend="accounts.backends.EmailBackend")
            messages.success(
                request,
                f"Welcome, {invite.profile.display_name}! This is your own account now, with all your progress.",
            )
            return redirect("home")
    status = INVALID if request.method == "POST" else 200
    response = render(request, "accounts/graduate.html", {"form": form, "invite": invite}, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
