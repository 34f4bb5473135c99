"""A post-mortem as one Markdown document, for a wiki or a repository: facts, timeline, the
why-tree with every verdict (refuted guesses struck through but kept — they are as useful as
the confirmed ones), the root-cause chain, impact, lessons and the action items with their
state. People's text is Markdown already and goes in as written; only what would break the
document's own structure (table cells, list indentation) is adjusted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from apps.core.humanize import flag_label

from . import selectors
from .models import Postmortem, WhyStatus
from .selectors import ActionItemRow, FactorRow, PostmortemFacts, PostmortemRead, TimelineItem, WhyRow

VERDICT = {
    WhyStatus.CONFIRMED: "✅ confirmed",
    WhyStatus.REFUTED: "❌ refuted",
    WhyStatus.PROPOSED: "❔ unchecked",
}


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else "—"


def _cell(value: object) -> str:
    """Text that fits in one table cell: no line breaks, no column separators."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("|", "\\|") or "—"


def _indented(text: str, indent: str) -> str:
    """Continuation lines of a list item are indented, or they would end the list."""
    lines = text.strip().splitlines() or [""]
    return "\n".join([lines[0], *(f"{indent}{line}" if line.strip() else "" for line in lines[1:])])


def _section(title: str, body: str) -> str:
    return f"## {title}\n\n{body.strip() or '_Nothing written._'}\n"


def _absolute(url: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{url}" if url.startswith("/") and base_url else url


def why_tree_markdown(roots: Iterable[WhyRow], *, chain_ids: set[int] | frozenset[int],
                      depth: int = 0) -> str:
    """Nested list of the why-tree: each node's question, answer and verdict; refuted answers
    struck through; the nodes on the root-cause chain marked."""
    lines: list[str] = []
    indent = "  " * depth
    for node in roots:
        answer = _indented(node.answer, indent + "  ")
        if node.status == WhyStatus.REFUTED:
            answer = f"~~{answer}~~"
        marker = " **(root-cause chain)**" if node.pk in chain_ids else ""
        lines.append(f"{indent}- **#{node.pk} {_indented(node.question, indent + '  ')}**  ")
        lines.append(f"{indent}  {answer} — {VERDICT[node.status]}{marker}")
        if node.decision_note:
            lines.append(f"{indent}  - Verdict: {_indented(node.decision_note, indent + '    ')}")
        if node.how_to_check:
            lines.append(f"{indent}  - Check: {_indented(node.how_to_check, indent + '    ')}")
        evidence = [item.title for item in node.evidence]
        if node.evidence_note:
            evidence.append(_indented(node.evidence_note, indent + "    "))
        if evidence:
            lines.append(f"{indent}  - Evidence: {'; '.join(evidence)}")
        if node.kids:
            lines.append(why_tree_markdown(node.kids, chain_ids=chain_ids, depth=depth + 1))
    return "\n".join(lines)


def _facts(postmortem: Postmortem, facts: PostmortemFacts, *, base_url: str) -> str:
    parts = [postmortem.facts.strip()] if postmortem.facts.strip() else []
    reports = []
    for fact in facts.reports:
        report = fact.report
        line = [f"- **WTF-{report.pk}** {report.title} ({report.get_channel_display()}, "
                f"{_when(report.created_at)}"
                f"{f', version `{report.model_version.version}`' if report.model_version_id else ''})"]
        if report.description:
            line.append(f"  - Seen: {_indented(report.description, '    ')}")
        if report.expected:
            line.append(f"  - Expected: {_indented(report.expected, '    ')}")
        line.append(f"  - Logged output: `{_cell(report.output)}`")
        if fact.top_check and fact.top_check.get("flags"):
            check = fact.top_check
            line.append(f"  - Most suspicious input: `{check['feature']}` = `{_cell(check.get('value'))}` "
                        f"({', '.join(flag_label(flag) for flag in check['flags'])})")
        reports.append("\n".join(line))
    if reports:
        parts.append("### Reports\n\n" + "\n".join(reports))
    if facts.replays:
        parts.append("### Replays\n\n" + "\n".join(
            f"- Replay #{replay.pk} on version `{replay.model_version.version}`: {replay.get_status_display()}, "
            f"{replay.matched} matched, {replay.mismatched} differed, {replay.errors} errors"
            for replay in facts.replays))
    if facts.evidence:
        parts.append("### Evidence\n\n" + "\n".join(
            f"- [{_cell(item.title)}]({_absolute(item.url, base_url)})" if item.url else f"- {_cell(item.title)}"
            for item in facts.evidence))
    return "\n\n".join(parts)


_SOURCES = {"manual": "manual", "change": "change event"}


def _timeline(timeline: Iterable[TimelineItem]) -> str:
    rows = [f"| {_when(item.at)} | {_cell(item.text)} | {_SOURCES.get(item.source, 'recorded')} |"
            for item in timeline]
    return "| When | What | Source |\n|---|---|---|\n" + "\n".join(rows) if rows else ""


def _impact(postmortem: Postmortem) -> str:
    lines = []
    for label, value in (("Affected predictions", postmortem.affected_predictions),
                         ("Affected users", postmortem.affected_users),
                         ("Affected requests", postmortem.affected_requests)):
        if value is not None:
            lines.append(f"- {label}: {value:,}")
    if postmortem.impact_started_at or postmortem.impact_ended_at:
        lines.append(f"- From {_when(postmortem.impact_started_at)} to {_when(postmortem.impact_ended_at)}"
                     + (f" ({postmortem.impact_duration})" if postmortem.impact_duration else ""))
    text = "\n".join(lines)
    if postmortem.business_impact.strip():
        text += "\n\n" + postmortem.business_impact.strip()
    if postmortem.impact_query.strip():
        text += "\n\nHow it was measured:\n\n```\n" + postmortem.impact_query.strip().replace("```", "'''") + "\n```"
    return text


def _action_items(rows_: Iterable[ActionItemRow]) -> str:
    rows = []
    for item in (row.item for row in rows_):
        review = item.get_review_state_display()
        if item.review_reason:
            review += f": {item.review_reason}"
        status = item.get_status_display() if item.is_ticket else "—"
        rows.append(f"| AI-{item.pk} | {_cell(item.title)} | {item.get_kind_display()} | "
                    f"{item.get_scope_display()} | {item.priority} | {_cell(review)} | {status} | "
                    f"{_cell(item.owner.get_username() if item.owner else '')} | "
                    f"{item.due_date.isoformat() if item.due_date else '—'} |")
    if not rows:
        return ""
    return ("| # | Action | Kind | Scope | Priority | Review | Status | Owner | Due |\n"
            "|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows))


def _factors(factors: Iterable[FactorRow]) -> str:
    rows = [f"| {_cell(factor.category_label)} | {_cell(factor.description)} | {factor.certainty_label} | "
            f"{'yes' if factor.is_trigger else ''} |" for factor in factors]
    if not rows:
        return ""
    # A subsection of the root cause, as in the editor: the category above stays the primary one.
    return ("\n\n### Contributing factors\n\n| Category | Factor | Known or potential | Trigger |\n"
            "|---|---|---|---|\n" + "\n".join(rows))


def postmortem_markdown(*, user, postmortem: Postmortem, base_url: str = "") -> str:
    """The whole post-mortem as Markdown, with the facts `user` may see. `base_url` (e.g.
    https://incidents.example.com) makes the links to the tracker's own pages absolute, so they
    work from a wiki."""
    read = selectors.postmortem_read(viewer=user, postmortem=postmortem, facts=True)
    return postmortem_read_markdown(read, base_url=base_url)


def postmortem_read_markdown(read: PostmortemRead, *, base_url: str = "") -> str:
    """The Markdown of a post-mortem already read (the facts included)."""
    postmortem, incident, chain = read.postmortem, read.postmortem.incident, read.chain
    category = read.category_label or "not chosen"
    header = [
        f"# Post-mortem: INC-{incident.pk} {read.incident_title}",
        "",
        f"- Status: {postmortem.get_status_display()}",
        f"- Model: {incident.model}",
        f"- Author: {postmortem.author.get_username() if postmortem.author else '—'}",
        f"- Approved by: {postmortem.approved_by.get_username() if postmortem.approved_by else '—'}"
        f" ({_when(postmortem.approved_at)})",
        f"- Published: {_when(postmortem.published_at)}",
        f"- Root-cause category: {category}",
        "",
    ]
    chain_text = "\n".join(f"{level}. {_indented(node.answer, '   ')}" for level, node in enumerate(chain, 1))
    lessons = "\n\n".join(f"### {title}\n\n{text.strip() or '_Nothing written._'}" for title, text in (
        ("What went well", postmortem.went_well), ("What went wrong", postmortem.went_wrong),
        ("Where we got lucky", postmortem.got_lucky)))
    sections = [
        _section("Summary", postmortem.summary),
        _section("Facts", _facts(postmortem, read.facts or PostmortemFacts(reports=(), replays=(), evidence=()),
                                 base_url=base_url)),
        _section("Timeline", _timeline(read.timeline)),
        _section("Five whys", why_tree_markdown(read.roots, chain_ids=read.chain_ids)),
        _section("Root-cause chain", chain_text),
        _section("Root cause", f"Category: **{category}**\n\n{postmortem.root_cause_summary.strip()}"
                               + _factors(read.factors)),
        _section("Impact", _impact(postmortem)),
        _section("Lessons", lessons),
        _section("Action items", _action_items(read.action_items)),
    ]
    return "\n".join(header) + "\n" + "\n".join(sections)
