"""The leaderboard page: one board (?board=all|week|month), a page of its top (?page=), the
active learner's own row and rank, and how fresh the board is."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from gamification.leaderboards import board_freshness, leaderboard_page, leaderboard_rank
from gamification.models import Board

PER_PAGE = 100


def _page_number(raw):
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


@login_required
def board(request):
    name = request.GET.get("board") or Board.WEEK
    if name not in Board.values:
        name = Board.WEEK
    page = _page_number(request.GET.get("page"))
    now = timezone.now()
    profile = request.profile
    rows, total = leaderboard_page(name, page=page, per_page=PER_PAGE, now=now, me_profile_id=profile.pk)
    pages = max(1, -(-total // PER_PAGE))
    context = {
        "boards": Board.choices,
        "board": name,
        "board_label": Board(name).label,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < pages else None,
        # On the page already? Then its row is my place; otherwise two small index look-ups.
        "me": next((row for row in rows if row.is_me), None) or leaderboard_rank(name, profile.pk, now=now),
        "is_public": profile.show_on_leaderboards,
        "refreshed_at": board_freshness(name, now=now),
        "profile": profile,
    }
    return render(request, "gamification/leaderboard.html", context)
