"""The insights page's charts, drawn from the same read model the CSV and the API render."""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.humanize import counted, duration

from .charts import WeeklyChart, weekly_bars, weekly_lines
from .read_models import Insights


@dataclass(frozen=True)
class InsightsCharts:
    flow: WeeklyChart  # opened vs resolved per week
    speed: WeeklyChart  # median time to detect and to resolve per week
    overdue: WeeklyChart  # action items overdue at each week's end


def _hours(value) -> float | None:
    return None if value is None else value.total_seconds() / 3600


def insights_charts(insights: Insights) -> InsightsCharts:
    weeks = [week.start for week in insights.weeks]
    busiest = max(insights.weeks, key=lambda week: week.opened, default=None)
    flow_summary = (f"{counted(insights.opened.count, 'incident')} opened and {insights.resolved.count:,} resolved "
                    f"in {counted(len(weeks), 'week')}"
                    + (f"; the most opened in the week of {busiest.start:%-d %b} ({busiest.opened:,})."
                       if busiest and busiest.opened else "."))
    speed_summary = (f"Median time to detect {duration(insights.median_time_to_detect)}, "
                     f"to resolve {duration(insights.median_time_to_resolve)}, over the range.")
    last = insights.weeks[-1].overdue_action_items if insights.weeks else 0
    first = insights.weeks[0].overdue_action_items if insights.weeks else 0
    overdue_summary = (f"{counted(last, 'action item')} overdue at the end of the range "
                       f"({first:,} at the end of its first week).")
    return InsightsCharts(
        flow=weekly_bars(chart_id="chart-flow", title="Incidents opened and resolved per week", summary=flow_summary,
                         weeks=weeks, series=[("opened", "Opened", [week.opened for week in insights.weeks]),
                                              ("resolved", "Resolved", [week.resolved for week in insights.weeks])]),
        speed=weekly_lines(chart_id="chart-speed", title="Median time to detect and to resolve, by week",
                           summary=speed_summary, weeks=weeks,
                           series=[("detect", "Time to detect",
                                    [_hours(week.median_time_to_detect) for week in insights.weeks]),
                                   ("resolve", "Time to resolve",
                                    [_hours(week.median_time_to_resolve) for week in insights.weeks])],
                           top_label=lambda hours: duration(hours * 3600)),
        overdue=weekly_bars(chart_id="chart-overdue", title="Action items overdue at the end of each week",
                            summary=overdue_summary, weeks=weeks,
                            series=[("overdue", "Overdue", [week.overdue_action_items for week in insights.weeks])]),
    )
