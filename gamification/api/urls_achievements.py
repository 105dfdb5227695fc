from django.urls import path

from . import achievement_views

app_name = "achievements_api"

urlpatterns = [
    path("achievements/", achievement_views.AchievementListApi.as_view(), name="achievement-list"),
    path("celebrations/", achievement_views.CelebrationListApi.as_view(), name="celebration-list"),
]
