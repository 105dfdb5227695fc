from django.urls import path

from . import leaderboard_views

app_name = "leaderboards_api"

urlpatterns = [
    path("leaderboards/<str:board>/", leaderboard_views.LeaderboardPageApi.as_view(), name="board"),
    path("leaderboards/<str:board>/me/", leaderboard_views.LeaderboardMeApi.as_view(), name="board-me"),
]
