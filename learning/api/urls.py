from django.urls import path

from . import views

app_name = "learning_api"

urlpatterns = [
    path("modules/", views.ModuleListApi.as_view(), name="module-list"),
    path("modules/<slug:slug>/", views.ModuleDetailApi.as_view(), name="module-detail"),
    path("problems/<slug:slug>/", views.ProblemDetailApi.as_view(), name="problem-detail"),
    path("problems/<slug:slug>/start/", views.ProblemStartApi.as_view(), name="problem-start"),
    path("problems/<slug:slug>/submit/", views.ProblemSubmitApi.as_view(), name="problem-submit"),
    path("submissions/", views.SubmissionListApi.as_view(), name="submission-list"),
    path("submissions/<int:submission_id>/", views.SubmissionDetailApi.as_view(), name="submission-detail"),
    path("progress/", views.ProgressListApi.as_view(), name="progress-list"),
    path("sessions/", views.SessionListCreateApi.as_view(), name="session-list"),
    path("sessions/<int:session_id>/", views.SessionDetailApi.as_view(), name="session-detail"),
    path("sessions/<int:session_id>/answer/", views.SessionAnswerApi.as_view(), name="session-answer"),
    path("sessions/<int:session_id>/end/", views.SessionEndApi.as_view(), name="session-end"),
    path("problem-of-the-day/", views.ProblemOfTheDayDetailApi.as_view(), name="problem-of-the-day"),
    path("goals/", views.GoalListCreateApi.as_view(), name="goal-list"),
    path("goals/daily/", views.GoalDailySetApi.as_view(), name="goal-daily"),
    path("goals/<int:goal_id>/", views.GoalDeleteApi.as_view(), name="goal-detail"),
]
