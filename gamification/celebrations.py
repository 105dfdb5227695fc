"""Celebrations shown once on the learner's next page.

CONTRACT (implemented by the achievements work):
- `celebrations_record(*, profile_id, outcome, earned)` is called by `activity_record` inside the
  action's transaction and writes Celebration rows for a level up, a new badge, a freeze earned
  and each newly earned achievement.
"""


def celebrations_record(*, profile_id, outcome, earned):
    """Placeholder until the achievements work lands."""
    return []
