from django.urls import path

from . import stats_views

app_name = "gamification_api"

urlpatterns = [
    path("me/stats/", stats_views.MyStatsApi.as_view(), name="my-stats"),
    path("me/xp/", stats_views.MyLedgerApi.as_view(), name="my-ledger"),
    path("me/calendar/", stats_views.MyCalendarApi.as_view(), name="my-calendar"),
    path("badges/", stats_views.BadgeListApi.as_view(), name="badge-list"),
]
