from django.urls import path

from .views import leaderboards

app_name = "leaderboards"

urlpatterns = [
    path("", leaderboards.board, name="board"),
]
