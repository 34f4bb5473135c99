"""Small charts drawn by the server (no chart library, no JavaScript): a bar per day for the last
N days, each bar made of one or more stacked series. Pages render them with
`templates/_daily_chart.html`; selectors supply the counts per day."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .humanize import counted


@dataclass(frozen=True)
class Segment:
    series: str  # a CSS-safe name: the colour of the segment and of its legend swatch
    value: int
    height: float  # % of the chart's height


@dataclass(frozen=True)
class DayBar:
    day: date
    total: int
    segments: list[Segment]
    title: str  # "6 Dec: 12 up, 3 down"


@dataclass(frozen=True)
class DailyChart:
    title: str
    noun: str
    bars: list[DayBar]
    series: list[tuple[str, str]]  # (css name, label) in stacking order, for the legend
    total: int
    peak: int

    @property
    def summary(self) -> str:
        """The chart in one sentence, for screen readers and as its caption."""
        days = len(self.bars)
        if not self.total:
            return f"No {self.noun}s in the last {days} days."
        busiest = max(self.bars, key=lambda bar: bar.total)
        return (f"{counted(self.total, self.noun)} in the last {days} days; the busiest day was "
                f"{busiest.day:%-d %b} with {busiest.total:,}.")


def last_days(days: int, *, today: date) -> list[date]:
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def daily_chart(*, title: str, noun: str, counts: Mapping[date, Mapping[str, int]],
                series: Sequence[tuple[str, str]], days: int, today: date) -> DailyChart:
    """`counts[day][series]` → a chart of the last `days` days ending `today` (days without
    counts are zero bars, so gaps show)."""
    span = last_days(days, today=today)
    totals = {day: sum((counts.get(day) or {}).values()) for day in span}
    peak = max(totals.values(), default=0)
    bars = []
    for day in span:
        row = counts.get(day) or {}
        segments = [Segment(series=name, value=row.get(name, 0),
                            height=round(row.get(name, 0) / peak * 100, 2) if peak else 0.0)
                    for name, _ in series if row.get(name)]
        detail = ", ".join(f"{row.get(name, 0):,} {label.lower()}" for name, label in series) if len(series) > 1 \
            else counted(totals[day], noun)
        bars.append(DayBar(day=day, total=totals[day], segments=segments, title=f"{day:%-d %b}: {detail}"))
    return DailyChart(title=title, noun=noun, bars=bars, series=list(series), total=sum(totals.values()), peak=peak)
