"""The learner's own gamification figures: stats, XP ledger, activity calendar, badges."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.api.base import ActingProfileApi, PaginatedListMixin, validated
from accounts.api.exceptions import error_responses
from accounts.api.profile import active_profile_for
from gamification.levels import level_progress
from gamification.models import XpEntry
from gamification.selectors import activity_between, badge_progress, xp_by_day
from gamification.services import badges_all, stats_for, streak_as_of

MAX_CALENDAR_WEEKS = 53


class BadgeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    icon = serializers.CharField()
    description = serializers.CharField()
    required_points = serializers.IntegerField()
    required_problems = serializers.IntegerField()


class BadgeWithStateSerializer(BadgeSerializer):
    is_earned = serializers.BooleanField()


class NextBadgeSerializer(serializers.Serializer):
    badge = BadgeSerializer(allow_null=True)
    points_percent = serializers.IntegerField()
    problems_percent = serializers.IntegerField()


class LevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    xp_into_level = serializers.IntegerField(source="into_level")
    xp_for_next_level = serializers.IntegerField(source="needed")
    percent = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    profile_id = serializers.IntegerField()
    total_xp = serializers.IntegerField()
    level = LevelSerializer()
    problems_solved = serializers.IntegerField()
    current_streak = serializers.IntegerField(help_text="As of the learner's local today: 0 once it has lapsed.")
    longest_streak = serializers.IntegerField()
    streak_freezes = serializers.IntegerField()
    last_active_on = serializers.DateField(allow_null=True)
    badge = BadgeSerializer(allow_null=True)
    next_badge = NextBadgeSerializer()


class XpEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = XpEntry
        fields = ["id", "amount", "reason", "source", "earned_on", "created_at"]


class CalendarDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    state = serializers.ChoiceField(choices=["active", "frozen", "none"])
    xp = serializers.IntegerField()


class CalendarQuerySerializer(serializers.Serializer):
    weeks = serializers.IntegerField(min_value=1, max_value=MAX_CALENDAR_WEEKS, default=12)


@extend_schema(tags=["gamification"])
class GamificationApi(ActingProfileApi):
    """Base: one tag in the docs and the `X-Profile-Id` header on every operation."""


class MyStatsApi(GamificationApi):
    @extend_schema(
        operation_id="my_stats",
        summary="XP, level, streak and badge progress of the active learner",
        responses={200: StatsSerializer, **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        stats = stats_for(profile)
        progress = badge_progress(stats)
        data = {
            "profile_id": profile.pk,
            "total_xp": stats.total_xp,
            "level": level_progress(stats.total_xp),
            "problems_solved": stats.problems_solved,
            "current_streak": streak_as_of(stats, profile.local_today()),
            "longest_streak": stats.longest_streak,
            "streak_freezes": stats.streak_freezes,
            "last_active_on": stats.last_active_on,
            "badge": stats.badge,
            "next_badge": {
                "badge": progress.next,
                "points_percent": progress.points_percent,
                "problems_percent": progress.problems_percent,
            },
        }
        return Response(StatsSerializer(data).data)


class MyLedgerApi(PaginatedListMixin, GamificationApi):
    @extend_schema(
        operation_id="my_xp_ledger",
        summary="Every XP award of the active learner, newest first",
        responses={200: XpEntrySerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        return self.paginated(XpEntry.objects.filter(profile=profile).order_by("-created_at", "-pk"), XpEntrySerializer)


class MyCalendarApi(GamificationApi):
    @extend_schema(
        operation_id="my_calendar",
        summary="The active learner's practice days (learner-local dates), oldest first",
        parameters=[CalendarQuerySerializer],
        responses={200: CalendarDaySerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        weeks = validated(CalendarQuerySerializer, request.query_params)["weeks"]
        today = profile.local_today()
        start = today - timedelta(days=7 * weeks - 1)
        activity = activity_between(profile, start=start, end=today)
        xp = xp_by_day(profile, start=start, end=today)
        days = []
        for offset in range((today - start).days + 1):
            day = start + timedelta(days=offset)
            state = "frozen" if activity.get(day) is True else "active" if day in activity else "none"
            days.append({"day": day, "state": state, "xp": xp.get(day, 0)})
        return Response(CalendarDaySerializer(days, many=True).data)


class BadgeListApi(GamificationApi):
    @extend_schema(
        operation_id="badge_list",
        summary="Every badge, in rank order, with whether the active learner holds it or a higher one",
        responses={200: BadgeWithStateSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request):
        stats = stats_for(active_profile_for(request))
        held = stats.badge
        rank = (held.required_points, held.required_problems) if held else (-1, -1)
        badges = [
            {**BadgeSerializer(badge).data, "is_earned": (badge.required_points, badge.required_problems) <= rank}
            for badge in badges_all()
        ]
        return Response(BadgeWithStateSerializer(badges, many=True).data)
