from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from learning.views import home

from . import views

urlpatterns = [
    path("", home, name="home"),
    path("", include("accounts.urls")),
    path("learn/", include("learning.urls")),
    path("leaderboards/", include("gamification.urls_leaderboards")),
    path("achievements/", include("gamification.urls_achievements")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("learning.api.urls")),
    path("api/v1/", include("gamification.api.urls_stats")),
    path("api/v1/", include("gamification.api.urls_leaderboards")),
    path("api/v1/", include("gamification.api.urls_achievements")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, so the docs page runs under
    # a CSP with no inline script; the assets come from drf-spectacular-sidecar, not a CDN.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "config.views.handler400"
handler403 = "config.views.handler403"
handler404 = "config.views.handler404"
handler500 = "config.views.handler500"
