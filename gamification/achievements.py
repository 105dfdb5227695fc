"""Achievement rules and their evaluation.

CONTRACT (implemented by the achievements work):
- `achievements_evaluate(*, stats, event, stats_before)` is called by `activity_record` inside
  the action's transaction after the stats are updated; it returns the list of newly earned
  `EarnedAchievement` rows (each at most once per learner: unique constraint), crediting each
  achievement's XP reward to the ledger (source "achievement:<slug>").
"""


def achievements_evaluate(*, stats, event, stats_before):
    """Placeholder until the achievements work lands: nothing is earned yet."""
    return []
