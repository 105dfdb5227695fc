"""The learner's achievements page: what they have earned and what is still to come."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..achievement_rules import rule_get
from ..selectors import achievement_list_for


@login_required
def achievement_list(request):
    achievements = achievement_list_for(request.profile)
    for achievement in achievements:
        rule = rule_get(achievement.rule)
        achievement.rule_label = rule.label if rule else ""
    earned = sorted((a for a in achievements if a.earned_at), key=lambda a: a.earned_at, reverse=True)
    return render(
        request,
        "gamification/achievements.html",
        {"earned": earned, "upcoming": [a for a in achievements if not a.earned_at]},
    )
