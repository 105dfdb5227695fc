from django.urls import path  # noqa: F401

app_name = "gamification_api"

urlpatterns = []
