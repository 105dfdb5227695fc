"""Leaderboards: all time, this week and this month (UTC periods), live and reconciled.

CONTRACT (implemented by the leaderboard work):
- `leaderboard_record(*, stats, gained, occurred_at, is_public)` is called by `activity_record`
  inside the action's transaction, after the stats row (locked) is updated. It upserts the
  learner's BoardEntry rows for the periods containing `occurred_at` (adding `gained` XP with
  F(), refreshing `longest_streak`, `reached_at` when XP grew, `is_public`).
"""


def leaderboard_record(*, stats, gained, occurred_at, is_public):
    """Placeholder until the leaderboard work lands: boards are not yet kept."""
    return None
