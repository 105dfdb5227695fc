from django.urls import path

from .views import achievements

app_name = "achievements"

urlpatterns = [
    path("", achievements.achievement_list, name="list"),
]
