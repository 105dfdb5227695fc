from django.urls import path

from . import views

app_name = "learning"

# The fixed paths come before "<module_slug>/", so a module can never be named after one of them
# (its page would be unreachable); content sync refuses those slugs (RESERVED_MODULE_SLUGS).
urlpatterns = [
    path("", views.module_list, name="modules"),
    path("history/", views.history, name="history"),
    path("learners/<int:profile_id>/", views.learner_overview, name="learner-overview"),
    path("today/", views.today, name="today"),
    path("practice/", views.practice, name="practice"),
    path("practice/<int:session_id>/", views.practice_session, name="practice-session"),
    path("practice/<int:session_id>/end/", views.practice_end, name="practice-end"),
    path("practice/<int:session_id>/summary/", views.practice_summary, name="practice-summary"),
    path("goals/", views.goals, name="goals"),
    path("goals/<int:goal_id>/archive/", views.goal_archive, name="goal-archive"),
    path("<slug:module_slug>/", views.module_detail, name="module-detail"),
    path("<slug:module_slug>/<slug:problem_slug>/", views.problem_detail, name="problem-detail"),
]
