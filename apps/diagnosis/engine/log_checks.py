"""What the inference log and the drift reports around a report say: drift of the suspicious
feature and the moment its pattern starts (a change point after a registration). On the feature
an input defect blames, they support that defect rather than compete with it."""

from __future__ import annotations

from ..kinds import INPUT_DEFECT_KINDS, Kind
from .facts import CaseFacts
from .hypothesis import Hypothesis, check
from .repairs import Candidate


def support_defects(hypotheses: list[Hypothesis], found: list[Hypothesis]) -> None:
    """Drift or a change point on the feature an input-defect hypothesis blames is that defect
    seen in the log: it supports the defect (its check joins it) rather than competing with it."""
    for extra in found:
        defect = next((h for h in hypotheses if h.kind in INPUT_DEFECT_KINDS and h.feature == extra.feature), None)
        if defect is not None:
            defect.checks += [item for item in extra.checks if item["supports"]]
            defect.confidence += 0.1 if extra.kind == Kind.DRIFT else 0.05
            extra.confidence -= 0.15
        hypotheses.append(extra)


def drift_and_change(facts: CaseFacts, candidates: list[Candidate], notes: list[dict]) -> list[Hypothesis]:
    found: list[Hypothesis] = []
    suspect = candidates[0].feature if candidates else None
    if suspect is None:
        return found
    if not facts.drift:
        notes.append(check("drift", "No drift report covers the days around the report: drift of "
                           f"`{suspect}` cannot be judged (request one from the model's Drift page).", False,
                           ran=False))
    else:
        drifting = [fact for fact in facts.drift if suspect in fact.drifted]
        if drifting:
            fact = drifting[0]
            found.append(Hypothesis(
                Kind.DRIFT, 0.5, f"`{suspect}` drifts in the days around the report (drift report "
                f"#{fact.drift_report_id}, {fact.window}): the live inputs have moved away from training.",
                feature=suspect, checks=[check("drift report", f"Drift report #{fact.drift_report_id} flags "
                                         f"`{suspect}` among {len(fact.drifted)} drifting features.", True)]))
        else:
            notes.append(check("drift", f"{len(facts.drift)} drift report(s) around the report do not flag "
                               f"`{suspect}`.", False))
    point = facts.change_point
    if point is None:
        if facts.change_point_note:
            notes.append(check("change point", facts.change_point_note, False))
        return found
    started = check("start in the log", f"The first logged prediction with `{point.feature}` {point.condition} is "
                    f"from {point.first_seen:%Y-%m-%d %H:%M} UTC; {point.earlier_without} earlier predictions in the "
                    "30 days before do not have it.", point.earlier_without > 0)
    if point.version is None or point.earlier_without == 0:
        notes.append(started | {"check": "change point"})
        return found
    found.append(Hypothesis(
        Kind.CHANGE_POINT, 0.45,
        f"`{point.feature}` {point.condition} starts in the log at {point.first_seen:%Y-%m-%d %H:%M} UTC, shortly "
        f"after version {point.version} was registered ({point.registered_at:%Y-%m-%d %H:%M} UTC): look at what "
        "changed with it.", feature=point.feature,
        checks=[started, check("near a registration", f"Version {point.version} was registered less than a day "
                               "before.", True)]))
    return found
