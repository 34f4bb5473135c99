"""Weekly charts drawn by the server as SVG (no chart library, no JavaScript). The SVG holds only
shapes, stretched to the width it is given, so it stays sharp on a projector and on a phone; its
words (title, legend, the first and last week, the top of the scale) are HTML around it, in the
page's type (templates: apps/insights/templates/insights/_chart.html)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 600.0, 200.0
GAP = 0.2  # share of a week's slot left empty between weeks


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str  # a CSS-safe name: the colour (`.chart-series-<name>`)
    title: str  # "Week of 30 Nov: 3 opened"


@dataclass(frozen=True)
class Line:
    series: str
    points: str  # SVG polyline points, one run of weeks with a value


@dataclass(frozen=True)
class WeeklyChart:
    chart_id: str
    title: str
    summary: str  # the chart in one sentence: its caption and its accessible name
    bars: list[Bar]
    lines: list[Line]
    series: list[tuple[str, str]]  # (css name, label), for the legend
    first_week: date | None
    last_week: date | None
    top: str  # the value at the top of the scale, in words ("12", "3 days")
    width: float = WIDTH
    height: float = HEIGHT

    @property
    def empty(self) -> bool:
        """Nothing to draw in the range: the page says so rather than drawing bare axes."""
        return not self.lines and not any(bar.height for bar in self.bars)


def _week(day: date) -> str:
    return f"{day:%-d %b}"


def weekly_bars(*, chart_id: str, title: str, summary: str, weeks: Sequence[date],
                series: Sequence[tuple[str, str, Sequence[int]]]) -> WeeklyChart:
    """Side-by-side bars per week, one per series (`(css name, label, a value per week)`)."""
    peak = max((value for *_, values in series for value in values), default=0)
    slot = WIDTH / max(len(weeks), 1)
    bar_width = slot * (1 - GAP) / max(len(series), 1)
    bars = []
    for index, week in enumerate(weeks):
        for position, (name, label, values) in enumerate(series):
            value = values[index]
            height = HEIGHT * value / peak if peak else 0.0
            bars.append(Bar(x=round(index * slot + slot * GAP / 2 + position * bar_width, 2),
                            y=round(HEIGHT - height, 2), width=round(bar_width, 2), height=round(height, 2),
                            series=name, title=f"Week of {_week(week)}: {value:,} {label.lower()}"))
    return WeeklyChart(chart_id=chart_id, title=title, summary=summary, bars=bars, lines=[],
                       series=[(name, label) for name, label, _ in series],
                       first_week=weeks[0] if weeks else None, last_week=weeks[-1] if weeks else None,
                       top=f"{peak:,}")


def weekly_lines(*, chart_id: str, title: str, summary: str, weeks: Sequence[date],
                 series: Sequence[tuple[str, str, Sequence[float | None]]],
                 top_label: Callable[[float], str]) -> WeeklyChart:
    """A line per series through the weeks that have a value; a week without one breaks the
    line rather than drawing it at zero."""
    peak = max((value for *_, values in series for value in values if value is not None), default=0.0)
    slot = WIDTH / max(len(weeks), 1)
    lines = []
    for name, _label, values in series:
        run: list[str] = []
        for index, value in enumerate([*values, None]):
            if value is None:
                if run:
                    # A single week still shows: a short flat stroke across its slot.
                    if len(run) == 1:
                        x, y = run[0].split(",")
                        run = [f"{float(x) - slot / 4:.2f},{y}", f"{float(x) + slot / 4:.2f},{y}"]
                    lines.append(Line(series=name, points=" ".join(run)))
                run = []
                continue
            y = HEIGHT - (HEIGHT * 0.95 * value / peak if peak else 0.0)
            run.append(f"{index * slot + slot / 2:.2f},{y:.2f}")
    return WeeklyChart(chart_id=chart_id, title=title, summary=summary, bars=[], lines=lines,
                       series=[(name, label) for name, label, _ in series],
                       first_week=weeks[0] if weeks else None, last_week=weeks[-1] if weeks else None,
                       top=top_label(peak) if peak else "0")
