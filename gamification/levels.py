"""The level curve.

Reaching level L takes 50 × L × (L − 1) XP in total: 100 XP for level 2 (one solved problem),
300 for 3, 600 for 4, 1,000 for 5, then ever slower: 4,500 for 10, 19,000 for 20. A newcomer
levels up on each of their first few sessions; a regular learner still sees a new level every
week or two.
"""

from dataclasses import dataclass
from math import isqrt

STEP = 50


def xp_for_level(level):
    """Total XP needed to reach `level` (level 1 needs none)."""
    return STEP * level * (level - 1)


def level_for_xp(xp):
    """The highest level whose threshold `xp` has reached."""
    if xp <= 0:
        return 1
    # Solve 50·L·(L−1) ≤ xp for the largest whole L.
    level = (1 + isqrt(1 + 4 * xp // STEP)) // 2
    while xp_for_level(level + 1) <= xp:
        level += 1
    while xp_for_level(level) > xp:
        level -= 1
    return level


@dataclass(frozen=True)
class LevelProgress:
    level: int
    xp: int
    current_floor: int
    next_threshold: int

    @property
    def into_level(self):
        return self.xp - self.current_floor

    @property
    def needed(self):
        return self.next_threshold - self.current_floor

    @property
    def percent(self):
        return min(100, round(100 * self.into_level / self.needed)) if self.needed else 100


def level_progress(xp):
    level = level_for_xp(xp)
    return LevelProgress(level=level, xp=xp, current_floor=xp_for_level(level), next_threshold=xp_for_level(level + 1))
