"""The active learner's achievements and unseen celebrations."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.api.base import ActingProfileApi
from accounts.api.exceptions import error_responses
from accounts.api.profile import active_profile_for
from gamification.achievement_rules import rule_get
from gamification.celebrations import celebrations_take
from gamification.models import Celebration
from gamification.selectors import achievement_list_for


class AchievementSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    icon = serializers.CharField()
    rule = serializers.CharField(help_text="The rule kind, from the achievement rule registry.")
    rule_label = serializers.CharField()
    threshold = serializers.IntegerField()
    xp_reward = serializers.IntegerField()
    earned_at = serializers.DateTimeField(allow_null=True, help_text="When the learner earned it; null if not yet.")


class CelebrationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Celebration.Kind.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    icon = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema(tags=["gamification"])
class AchievementsApi(ActingProfileApi):
    """Base: one tag in the docs and the `X-Profile-Id` header on every operation."""


class AchievementListApi(AchievementsApi):
    @extend_schema(
        operation_id="achievement_list",
        summary="Every active achievement, with when the active learner earned it",
        responses={200: AchievementSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        achievements = achievement_list_for(profile)
        for achievement in achievements:
            rule = rule_get(achievement.rule)
            achievement.rule_label = rule.label if rule else ""
        return Response(AchievementSerializer(achievements, many=True).data)


class CelebrationListApi(AchievementsApi):
    @extend_schema(
        operation_id="celebration_list",
        summary="The active learner's unseen celebrations, oldest first; marks them seen",
        responses={200: CelebrationSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        return Response(CelebrationSerializer(celebrations_take(profile_id=profile.pk), many=True).data)
