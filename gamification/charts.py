"""Geometry for the charts the dashboard draws as inline SVG (no JavaScript chart library).

Functions return plain numbers and labels; templates turn them into <rect> and <circle>
elements, styled by CSS classes so the strict Content-Security-Policy needs no inline style.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

CELL = 13
GAP = 3


@dataclass(frozen=True)
class CalendarCell:
    day: object
    x: int
    y: int
    level: str  # "none", "frozen", "low", "mid", "high", "future"
    xp: int

    @property
    def label(self):
        if self.level == "frozen":
            return f"{self.day:%a %d %b}: streak freeze used"
        if self.level == "future":
            return f"{self.day:%a %d %b}"
        return f"{self.day:%a %d %b}: {self.xp} XP" if self.level != "none" else f"{self.day:%a %d %b}: no practice"


@dataclass(frozen=True)
class Calendar:
    cells: list
    width: int
    height: int
    month_labels: list  # (x, "Nov")


def activity_calendar(*, today, activity, xp, weeks=12):
    """A GitHub-style grid: one column per week (Monday at the top), ending with this week."""
    last_monday = today - timedelta(days=today.weekday())
    first_monday = last_monday - timedelta(weeks=weeks - 1)
    cells, labels, seen_month = [], [], None
    for week in range(weeks):
        monday = first_monday + timedelta(weeks=week)
        # Label a month at its first full week, and never closer than three columns to the last
        # label, so short stubs of a month do not print on top of each other.
        if monday.month != seen_month and (not labels or week * (CELL + GAP) - labels[-1][0] >= 3 * (CELL + GAP)):
            labels.append((week * (CELL + GAP), f"{monday:%b}"))
            seen_month = monday.month
        for weekday in range(7):
            day = monday + timedelta(days=weekday)
            earned = xp.get(day, 0)
            if day > today:
                level = "future"
            elif activity.get(day) is True:
                level = "frozen"
            elif day in activity or earned:
                level = "high" if earned >= 300 else "mid" if earned >= 100 else "low"
            else:
                level = "none"
            cells.append(CalendarCell(day, week * (CELL + GAP), 14 + weekday * (CELL + GAP), level, earned))
    return Calendar(cells, weeks * (CELL + GAP), 14 + 7 * (CELL + GAP), labels)


@dataclass(frozen=True)
class Bar:
    day: object
    x: int
    y: int
    height: int
    xp: int


@dataclass(frozen=True)
class BarChart:
    bars: list
    width: int
    height: int
    peak: int
    total: int


def xp_chart(*, today, xp, days=30, height=90, bar=9, gap=3):
    """One bar per day for the last `days` days, scaled to the best day."""
    start = today - timedelta(days=days - 1)
    values = [(start + timedelta(days=n), xp.get(start + timedelta(days=n), 0)) for n in range(days)]
    peak = max((v for _, v in values), default=0)
    bars = []
    for index, (day, value) in enumerate(values):
        h = round(height * value / peak) if peak else 0
        h = max(h, 2 if value else 0)
        bars.append(Bar(day, index * (bar + gap), height - h, h, value))
    return BarChart(bars, days * (bar + gap), height, peak, sum(v for _, v in values))


@dataclass(frozen=True)
class Ring:
    radius: int
    circumference: float
    dash: float
    percent: int


def progress_ring(percent, radius=42):
    circumference = 2 * math.pi * radius
    percent = max(0, min(100, int(percent)))
    return Ring(radius, round(circumference, 2), round(circumference * percent / 100, 2), percent)
