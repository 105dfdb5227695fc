from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("auth/token/", views.AuthTokenApi.as_view(), name="auth-token"),
    path("me/", views.MeDetailApi.as_view(), name="me"),
    path("me/profile/", views.MeProfileUpdateApi.as_view(), name="me-profile"),
    path("profiles/", views.ProfileListCreateApi.as_view(), name="profile-list"),
    path("profiles/<int:profile_id>/", views.ProfileDetailApi.as_view(), name="profile-detail"),
    path("profiles/<int:profile_id>/access/", views.ProfileAccessListApi.as_view(), name="profile-access"),
    path("profiles/<int:profile_id>/export/", views.ProfileExportApi.as_view(), name="profile-export"),
    path(
        "profiles/<int:profile_id>/graduation-invite/",
        views.GraduationInviteCreateApi.as_view(),
        name="profile-graduation-invite",
    ),
    path("link-codes/", views.LinkCodeListCreateApi.as_view(), name="link-code-list"),
    path("link-codes/accept/", views.LinkCodeAcceptApi.as_view(), name="link-code-accept"),
    path("links/", views.LinkListApi.as_view(), name="link-list"),
    path("links/<int:link_id>/", views.LinkDeleteApi.as_view(), name="link-detail"),
]
