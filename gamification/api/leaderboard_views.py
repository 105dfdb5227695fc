"""Leaderboards over the API: a page of a board and the active learner's own place."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.api.base import ActingProfileApi, validated
from accounts.api.exceptions import error_responses
from accounts.api.profile import active_profile_for
from accounts.errors import NotFound
from gamification.leaderboards import board_freshness, leaderboard_page, leaderboard_rank, period_start
from gamification.models import Board

PER_PAGE = 100

BOARD_PARAMETER = OpenApiParameter(
    name="board",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.PATH,
    enum=Board.values,
    description="all (all time), week (this ISO week, UTC) or month (this month, UTC).",
)


class BoardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="Competition ranking: 1, 2, 2, 4.")
    display_name = serializers.CharField()
    xp = serializers.IntegerField()
    longest_streak = serializers.IntegerField()
    reached_at = serializers.DateTimeField(help_text="When this XP was reached; earlier wins a tie.")
    is_me = serializers.BooleanField()


class BoardPageSerializer(serializers.Serializer):
    board = serializers.ChoiceField(choices=Board.choices)
    period_start = serializers.DateField()
    refreshed_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Last reconciled with the XP ledger. Entries are live: every award is on the board when it commits; "
        "the reconciliation (every minute) only repairs drift and rolls periods over.",
    )
    count = serializers.IntegerField(help_text="Learners on the public board.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = BoardRowSerializer(many=True)


class BoardMeSerializer(serializers.Serializer):
    board = serializers.ChoiceField(choices=Board.choices)
    period_start = serializers.DateField()
    refreshed_at = serializers.DateTimeField(allow_null=True)
    is_public = serializers.BooleanField(help_text="Whether others see this learner on public boards.")
    row = BoardRowSerializer(allow_null=True, help_text="Null without XP in the period.")


class BoardQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)


def _board_or_404(board):
    if board not in Board.values:
        raise NotFound("No such leaderboard.")
    return board


@extend_schema(tags=["leaderboards"], parameters=[BOARD_PARAMETER])
class LeaderboardApi(ActingProfileApi):
    """Base: one tag, the board path parameter and `X-Profile-Id` on every operation."""


class LeaderboardPageApi(LeaderboardApi):
    @extend_schema(
        operation_id="leaderboard_page",
        summary="One page (100 rows) of a board's public learners, best first",
        parameters=[BoardQuerySerializer],
        responses={200: BoardPageSerializer, **error_responses(400, 403, 404)},
    )
    def get(self, request, board):
        board = _board_or_404(board)
        page = validated(BoardQuerySerializer, request.query_params)["page"]
        profile, now = active_profile_for(request), timezone.now()
        rows, total = leaderboard_page(board, page=page, per_page=PER_PAGE, now=now, me_profile_id=profile.pk)
        data = {
            "board": board,
            "period_start": period_start(board, now),
            "refreshed_at": board_freshness(board, now=now),
            "count": total,
            "page": page,
            "pages": max(1, -(-total // PER_PAGE)),
            "results": rows,
        }
        return Response(BoardPageSerializer(data).data)


class LeaderboardMeApi(LeaderboardApi):
    @extend_schema(
        operation_id="leaderboard_me",
        summary="The active learner's own row and rank on a board (even when off public boards)",
        responses={200: BoardMeSerializer, **error_responses(403, 404)},
    )
    def get(self, request, board):
        board = _board_or_404(board)
        profile, now = active_profile_for(request), timezone.now()
        data = {
            "board": board,
            "period_start": period_start(board, now),
            "refreshed_at": board_freshness(board, now=now),
            "is_public": profile.show_on_leaderboards,
            "row": leaderboard_rank(board, profile.pk, now=now),
        }
        return Response(BoardMeSerializer(data).data)
