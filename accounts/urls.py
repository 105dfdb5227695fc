from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "accounts"

urlpatterns = [
    # Signing up, in and out
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Own account. The password-change templates live under accounts/, not registration/, so
    # the admin's own password-change pages keep the admin's look.
    path("accounts/settings/", views.account_settings, name="settings"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change_form.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/password_reset_form.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    # Family & students
    path("family/", views.family, name="family"),
    path("family/learners/new/", views.managed_profile_create, name="managed_profile_create"),
    path("family/codes/new/", views.link_code_create, name="link_code_create"),
    path("link/accept/", views.link_accept, name="link_accept"),
    path("links/<int:link_id>/remove/", views.link_remove, name="link_remove"),
    path("profiles/<int:profile_id>/access/", views.profile_access, name="profile_access"),
    path("profiles/<int:profile_id>/rename/", views.profile_rename, name="profile_rename"),
    path("profiles/<int:profile_id>/leaderboards/", views.profile_leaderboards, name="profile_leaderboards"),
    path("profiles/<int:profile_id>/delete/", views.profile_delete, name="profile_delete"),
    path("profiles/<int:profile_id>/export/", views.profile_export_download, name="profile_export"),
    path("profiles/<int:profile_id>/graduation/", views.graduation_invite, name="graduation_invite"),
    # Who's learning?
    path("acting/switch/", views.acting_switch, name="acting_switch"),
    path("acting/stop/", views.acting_stop, name="acting_stop"),
    # Public: a managed child takes over their profile
    path("graduate/<str:token>/", views.graduate, name="graduate"),
]
