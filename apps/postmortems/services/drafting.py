"""Drafting the first whys from the incident's differential diagnosis: one proposed why-node
per leading hypothesis — the question it answers, the hypothesis, how the tracker checked it —
with the diagnoses of the reports that support it attached as evidence. The nodes are marked
as drafted by the tracker; people still confirm or refute each (the four-eyes and evidence
rules do not change). Drafting twice adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.humanize import value as human_value
from apps.diagnosis.kinds import QUESTIONS
from apps.diagnosis.selectors import HypothesisView, incident_diagnosis_get
from apps.incidents.evidence import incident_evidence_add
from apps.incidents.models import EvidenceKind

from ..models import MAX_SHORT_TEXT, WhyNode
from ._common import MAX_QUESTION, _require_editable, _touch
from ._common import _locked as _postmortem_locked

# The leading hypotheses worth a why-node: at most this many, each at least this likely.
MAX_DRAFTED = 3
MIN_CONFIDENCE = 0.3
_MARKS = {(True, True): "supports", (False, True): "against", (True, False): "could not run",
          (False, False): "could not run"}


@dataclass
class DraftResult:
    created: list[WhyNode] = field(default_factory=list)
    already: int = 0
    considered: int = 0

    @property
    def message(self) -> str:
        if self.created:
            count = len(self.created)
            drafted = f"Drafted {count} hypothes{'is' if count == 1 else 'es'} from the diagnosis"
            before = f" ({self.already} drafted before)." if self.already else "."
            return f"{drafted}{before} Check each: confirm or refute it with what the check showed."
        if self.already:
            return "The diagnosis's hypotheses are drafted already: nothing new to add."
        return "The diagnosis has no hypothesis likely enough to draft yet."


def _key(hypothesis: HypothesisView) -> str:
    return f"diagnosis:{hypothesis.kind}:{hypothesis.feature or ''}"[:200]


def _how_checked(hypothesis: HypothesisView) -> str:
    reports = hypothesis.reports or 0
    lines = [f"The tracker checked it ({hypothesis.percent} % likely; "
             f"{reports} report{' supports' if reports == 1 else 's support'} it):"]
    lines += [f"- {check.check.capitalize()} ({_MARKS[(check.supports, check.ran)]}): {check.result}"
              for check in hypothesis.checks]
    if hypothesis.counterfactual is not None:
        repaired = ", ".join(f"`{name}` = {human_value(value)}"
                             for name, value in hypothesis.counterfactual.input.items())
        lines.append(f"- Counterfactual: with {repaired} the model answers "
                     f"{human_value(hypothesis.counterfactual.output)}.")
    return "\n".join(lines)[:MAX_SHORT_TEXT]


@transaction.atomic
def why_nodes_draft_from_diagnosis(*, incident_id: int, actor) -> DraftResult:
    postmortem = _postmortem_locked(incident_id=incident_id, actor=actor)
    _require_editable(postmortem)
    diagnosis = incident_diagnosis_get(user=actor, incident_id=incident_id)
    leading = [h for h in diagnosis.hypotheses if h.confidence >= MIN_CONFIDENCE][:MAX_DRAFTED]
    result = DraftResult(considered=len(leading))
    existing = set(WhyNode.objects.filter(postmortem=postmortem).exclude(drafted_from="")
                   .values_list("drafted_from", flat=True))
    position = WhyNode.objects.filter(postmortem=postmortem, parent=None).count()
    for hypothesis in leading:
        key = _key(hypothesis)
        if key in existing:
            result.already += 1
            continue
        question = QUESTIONS.get(hypothesis.kind, "Why did this happen?").format(feature=hypothesis.feature or "?")
        evidence = [incident_evidence_add(incident_id=incident_id, kind=EvidenceKind.DIAGNOSIS, actor=actor,
                                          ref_id=report_id) for report_id in hypothesis.report_ids]
        node = WhyNode.objects.create(
            postmortem=postmortem, parent=None, question=question[:MAX_QUESTION],
            answer=hypothesis.summary[:MAX_SHORT_TEXT], how_to_check=_how_checked(hypothesis),
            position=position, drafted_from=key, created_by=None)
        node.evidence.set(evidence)
        position += 1
        existing.add(key)
        result.created.append(node)
    if result.created:
        _touch(postmortem, actor=actor)
        audit_record(actor=actor, action=AuditAction.POSTMORTEM_WHY_DRAFT, target=postmortem,
                     new={"why_nodes": [node.pk for node in result.created],
                          "kinds": [node.drafted_from for node in result.created]})
    return result
