"""Reads of post-mortems, scoped by the incident's visibility: whoever may see an incident may
read its post-mortem; the owning team (and people a restricted incident names) may change it;
reviewers of the team decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Prefetch, QuerySet, Sum
from django.utils import timezone

from apps.accounts.access import require_review_on_model, user_access
from apps.actions.models import ActionItem, ActionScope, ReviewState
from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_events_for_all
from apps.audit.sentences import event_phrase
from apps.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from apps.forensics.models import ReportForensics
from apps.incidents.changes import incident_changes
from apps.incidents.evidence import evidence_as_seen_by
from apps.incidents.models import Incident, IncidentEvidence
from apps.incidents.selectors import incident_can_work, incident_get, incident_visibility, incidents_as_seen_by
from apps.registry.reference_checks import input_checks
from apps.replays.selectors import replay_list
from apps.reports.selectors import LoggedInputsReaders, report_list

from .blameless import blame_hints
from .models import (
    POSTMORTEM_TRANSITIONS,
    MeetingPresenter,
    Postmortem,
    PostmortemStatus,
    RootCauseCategory,
    TimelineEntry,
    WhyNode,
    WhyStatus,
)

# The editor nudges toward about five levels: fewer usually stops at a symptom, many more
# usually wanders off into history.
SUGGESTED_DEPTH = 5
# A presenter who has not moved a slide for this long has left the meeting (closed the laptop
# without pressing Stop): screens opened later must not jump to where that meeting ended.
PRESENTER_IDLE = timedelta(hours=2)
BLAME_CHECKED_FIELDS = ("summary", "facts", "root_cause_summary", "business_impact", "went_well", "went_wrong",
                        "got_lucky")


def postmortem_get(*, user, incident_id: int) -> Postmortem:
    incident = incident_get(user=user, incident_id=incident_id)
    postmortem = (Postmortem.objects.select_related("incident__model", "author", "approved_by", "updated_by")
                  .filter(incident=incident).first())
    if postmortem is None:
        raise NotFound(f"INC-{incident_id} has no post-mortem yet; start one with POST "
                       f"/api/v1/incidents/{incident_id}/postmortem/.")
    postmortem.incident = incident  # with the title this reader may read
    return postmortem


def postmortem_of(*, incident) -> Postmortem | None:
    """The post-mortem of an incident the caller has already been allowed to see, if any."""
    return Postmortem.objects.select_related("author").filter(incident=incident).first()


def postmortem_get_for_export(*, user, incident_id: int) -> Postmortem:
    """A post-mortem leaves the tracker (Markdown for a wiki or a repository) only once it is
    published: until then its text is not what a reviewer approved."""
    postmortem = postmortem_get(user=user, incident_id=incident_id)
    if postmortem.status != PostmortemStatus.PUBLISHED:
        raise Conflict(f"The post-mortem of INC-{incident_id} is {postmortem.get_status_display().lower()}: only a "
                       "published post-mortem is exported. Approve and publish it first.",
                       extra={"current": postmortem.status})
    return postmortem


def postmortem_can_work(*, user, postmortem: Postmortem) -> bool:
    return incident_can_work(user=user, incident=postmortem.incident)


def postmortem_can_review(*, user, postmortem: Postmortem) -> bool:
    return user_access(user).can_review_team(postmortem.incident.model.team_id) \
        and postmortem_can_work(user=user, postmortem=postmortem)


def postmortem_revision(*, postmortem: Postmortem) -> int:
    """What a meeting screen polls: a number that grows with every change to the post-mortem
    or anything in it. The post-mortem's own changes count in its `revision`; its action items
    live in the layer below and count in their own `version` (bumped by every change, 1 when
    proposed), so the sum grows whichever app made the change, without the actions app
    reaching up to touch the post-mortem."""
    items = ActionItem.objects.filter(incident_id=postmortem.incident_id).aggregate(total=Sum("version"))["total"]
    return postmortem.revision + (items or 0)


def postmortem_get_for_work(*, user, incident_id: int) -> Postmortem:
    postmortem = postmortem_get(user=user, incident_id=incident_id)
    if user is not None and not postmortem_can_work(user=user, postmortem=postmortem):
        raise PermissionDenied("Only the team that owns the model and the people named on the incident may change "
                               "its post-mortem.")
    return postmortem


@dataclass(frozen=True)
class PresenterView:
    """Who presents the meeting now and on which slide, as the meeting screen polls it."""

    username: str
    section: str
    moved_at: datetime
    you: bool  # the person asking is the presenter

    def as_json(self) -> dict[str, Any]:
        return {"username": self.username, "section": self.section, "moved_at": self.moved_at.isoformat(),
                "you": self.you}


def meeting_presenter(*, user, postmortem: Postmortem) -> PresenterView | None:
    """The presenter of `postmortem`'s review meeting, for someone already allowed to see it;
    None when nobody presents (or the last presenter went idle)."""
    row = (MeetingPresenter.objects.select_related("user")
           .filter(postmortem=postmortem, moved_at__gte=timezone.now() - PRESENTER_IDLE).first())
    if row is None:
        return None
    return PresenterView(username=row.user.get_username(), section=row.section, moved_at=row.moved_at,
                         you=row.user_id == getattr(user, "pk", None))


def postmortem_agenda(*, user) -> QuerySet[Postmortem]:
    """The post-mortems waiting for review that the user may see, in the order they were sent
    for review (a reopened approval keeps its first place): a review meeting's agenda."""
    queryset = Postmortem.objects.filter(status=PostmortemStatus.IN_REVIEW).select_related("incident__model", "author")
    visible = incident_visibility(user)
    if visible is not None:
        queryset = queryset.filter(incident__in=incident_visibility_queryset(visible))
    return queryset.order_by(F("review_requested_at").asc(nulls_first=True), "id")


def postmortem_agenda_as_seen_by(*, user, limit: int = 100) -> list[Postmortem]:
    """The agenda's first post-mortems, their incidents titled as `user` may read them."""
    agenda = list(postmortem_agenda(user=user)[:limit])
    incidents_as_seen_by(user=user, incidents=[postmortem.incident for postmortem in agenda])
    return agenda


def incident_visibility_queryset(visible):
    return Incident.objects.filter(visible).values("pk")


def postmortem_list(*, user) -> QuerySet[Postmortem]:
    queryset = Postmortem.objects.select_related("incident__model", "author")
    visible = incident_visibility(user)
    if visible is not None:
        queryset = queryset.filter(incident__in=incident_visibility_queryset(visible))
    return queryset.order_by("-updated_at", "-id")


# --- The why-tree --------------------------------------------------------------------------

def why_nodes(*, postmortem: Postmortem, user=None) -> list[WhyNode]:
    """All nodes, each with `.kids` (its children in order) set; one query (plus one for the
    evidence). With `user`, the evidence each cites is as that reader may see it."""
    nodes = list(WhyNode.objects.filter(postmortem=postmortem).select_related("decided_by", "created_by")
                 .prefetch_related(Prefetch("evidence")))
    if user is not None:
        evidence_as_seen_by(user=user, incident=postmortem.incident,
                            rows=[item for node in nodes for item in node.evidence.all()])
    by_parent: dict[int | None, list[WhyNode]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)
    for node in nodes:
        node.kids = by_parent.get(node.pk, [])
    return nodes


def why_roots(nodes: list[WhyNode]) -> list[WhyNode]:
    return [node for node in nodes if node.parent_id is None]


def root_cause_chain(nodes: list[WhyNode]) -> list[WhyNode]:
    """The longest path of confirmed answers from the top: the root-cause chain. Refuted and
    unchecked branches are on record but not on it."""
    best: list[WhyNode] = []

    def walk(node: WhyNode, path: list[WhyNode]) -> None:
        nonlocal best
        path = path + [node]
        confirmed_kids = [kid for kid in getattr(node, "kids", []) if kid.status == WhyStatus.CONFIRMED]
        if not confirmed_kids and len(path) > len(best):
            best = path
        for kid in confirmed_kids:
            walk(kid, path)

    for root in why_roots(nodes):
        if root.status == WhyStatus.CONFIRMED:
            walk(root, [])
    return best


def unchecked_nodes(nodes: list[WhyNode]) -> list[WhyNode]:
    """Hypotheses still waiting for a verdict. Every node hangs off the top question or a
    confirmed answer, so each one could still change the root-cause chain."""
    return [node for node in nodes if node.status == WhyStatus.PROPOSED]


@dataclass
class Blockers:
    items: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)


def approval_blockers(*, postmortem: Postmortem, nodes: list[WhyNode] | None = None) -> list[str]:
    """What stops approval, in words for the reviewer; empty when it may be approved."""
    nodes = why_nodes(postmortem=postmortem) if nodes is None else nodes
    blockers = []
    if not postmortem.root_cause_category:
        blockers.append("Choose the root-cause category.")
    if not root_cause_chain(nodes):
        blockers.append("Confirm at least one answer to the top \"why?\": the root-cause chain is empty.")
    for node in unchecked_nodes(nodes):
        blockers.append(f"Check hypothesis #{node.pk} (\"{node.answer[:80]}\"): confirm or refute it.")
    undecided = ActionItem.objects.filter(incident_id=postmortem.incident_id, review_state=ReviewState.PROPOSED).count()
    if undecided:
        blockers.append(f"Accept or reject the {undecided} proposed action point(s).")
    return blockers


def why_node_delete_problem(*, node: WhyNode, has_follow_ups: bool) -> Conflict | None:
    """Why hypothesis `node` may not be removed — the error why_node_delete raises — or None:
    only an unchecked one with nothing under it goes (a typo, a duplicate); decided ones stay
    on record, refuted guesses being as useful as confirmed ones. The page offers **Remove**
    only where this is None."""
    if node.status != WhyStatus.PROPOSED:
        return Conflict(f"Hypothesis #{node.pk} is {node.status}; checked hypotheses stay on record.",
                        extra={"current": node.status})
    if has_follow_ups:
        return Conflict(f"Hypothesis #{node.pk} has follow-up whys; remove those first.")
    return None


def transition_problem(*, user, postmortem: Postmortem, to: str,
                       nodes: list[WhyNode] | None = None) -> DomainError | None:
    """Why `user` may not move the post-mortem to `to` now — the error postmortem_transition
    raises — or None when the move is allowed. The page asks the same question to offer only
    the moves a person may make, so the two never disagree."""
    if not POSTMORTEM_TRANSITIONS.can_move(postmortem.status, to):
        try:
            POSTMORTEM_TRANSITIONS.check(postmortem.status, to)
        except DomainError as error:
            return error
    reviewing = to == PostmortemStatus.APPROVED or (postmortem.status == PostmortemStatus.IN_REVIEW
                                                    and to == PostmortemStatus.DRAFT)
    if reviewing:
        try:
            require_review_on_model(actor=user, model=postmortem.incident.model, action="review post-mortems")
        except PermissionDenied as error:
            return error
    if to == PostmortemStatus.APPROVED:
        if user is not None and postmortem.author_id == user.pk:
            return PermissionDenied("You wrote this post-mortem, so someone else approves it (four eyes).")
        blockers = approval_blockers(postmortem=postmortem, nodes=nodes)
        if blockers:
            return Conflict("The post-mortem cannot be approved yet: " + " ".join(blockers),
                            extra={"blockers": blockers, "current": postmortem.status,
                                   "allowed_transitions": POSTMORTEM_TRANSITIONS.allowed_from(postmortem.status)})
    return None


# --- Hints ---------------------------------------------------------------------------------

def people_names(*, postmortem: Postmortem) -> set[str]:
    """Lower-case names of the people around the incident (the team, the reporters, the
    owner): the names a blaming sentence would use."""
    from django.contrib.auth import get_user_model

    incident = postmortem.incident
    users = get_user_model().objects.filter(
        **({"memberships__team_id": incident.model.team_id} if incident.model.team_id else {"pk__in": []})
    ) | get_user_model().objects.filter(reports__incident_id=incident.pk) | get_user_model().objects.filter(
        pk__in=[pk for pk in (incident.owner_id, postmortem.author_id) if pk])
    names: set[str] = set()
    for username, first, last in users.distinct().values_list("username", "first_name", "last_name")[:500]:
        names.update(part.lower() for part in (username, first, last) if part and len(part) > 2)
    return names


def postmortem_hints(*, postmortem: Postmortem, nodes: list[WhyNode] | None = None) -> list[dict[str, Any]]:
    """Advice for the editor, never a block: blaming language, confirmed answers without
    evidence, a chain that stops early or wanders on."""
    nodes = why_nodes(postmortem=postmortem) if nodes is None else nodes
    names = people_names(postmortem=postmortem)
    hints: list[dict[str, Any]] = []
    for name in BLAME_CHECKED_FIELDS:
        hints += [{"kind": "blame", **hint.as_dict()}
                  for hint in blame_hints(field=name, text=getattr(postmortem, name), names=names)]
    for node in nodes:
        for name in ("question", "answer", "how_to_check", "evidence_note", "decision_note"):
            hints += [{"kind": "blame", **hint.as_dict(), "why_node": node.pk}
                      for hint in blame_hints(field=f"why_nodes[{node.pk}].{name}", text=getattr(node, name),
                                              names=names)]
        if node.status == WhyStatus.CONFIRMED and not node.evidence.all() and not node.evidence_note.strip():
            hints.append({"kind": "evidence", "field": f"why_nodes[{node.pk}]", "why_node": node.pk,
                          "message": f"Hypothesis #{node.pk} is confirmed without evidence: what is the evidence? "
                                     "Link a replay, a forensics finding, a log or describe the check's result."})
    chain = root_cause_chain(nodes)
    if chain and len(chain) < SUGGESTED_DEPTH - 2 and not any(node.status == WhyStatus.PROPOSED for node in nodes):
        hints.append({"kind": "depth", "field": "why_nodes",
                      "message": f"The root-cause chain is {len(chain)} level(s) deep. Ask \"why?\" of its last "
                                 f"answer again — about {SUGGESTED_DEPTH} levels usually reach the category of bug "
                                 "rather than this one instance."})
    if len(chain) > SUGGESTED_DEPTH + 2:
        hints.append({"kind": "depth", "field": "why_nodes",
                      "message": f"The chain is {len(chain)} levels deep: check the last steps are still about "
                                 "this incident and not history in general."})
    hints += _scope_hints(postmortem)
    return hints


def _scope_hints(postmortem: Postmortem) -> list[dict[str, Any]]:
    """Fixing only this instance leaves the next one, which will look different, to happen."""
    scopes = set(ActionItem.objects.filter(incident_id=postmortem.incident_id)
                 .exclude(review_state=ReviewState.REJECTED).values_list("scope", flat=True))
    if scopes and ActionScope.CATEGORY not in scopes:
        return [{"kind": "scope", "field": "action_items",
                 "message": "Every action point fixes this instance only. What would catch or prevent the whole "
                            "class of bug — a check in the pipeline, a test on the training data, an alert?"}]
    return []


def postmortem_history(*, postmortem: Postmortem, limit: int = 100) -> list:
    """The post-mortem's audit events and those of its action items, newest first."""
    targets = [postmortem, *ActionItem.objects.filter(incident_id=postmortem.incident_id).only("pk")]
    return list(audit_events_for_all(targets=targets).order_by("-created_at", "-id")[:limit])


# --- Timeline and facts --------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    text: str
    source: str  # "manual", "audit", or "change" (a change event in the incident's window)
    actor: str = ""
    entry_id: int | None = None


def postmortem_timeline(*, user, postmortem: Postmortem) -> list[TimelineItem]:
    """The manual entries merged with what the audit trail recorded about the incident and the
    reports of it that `user` may see (filed, moved, status changes, replays started)."""
    items = [TimelineItem(at=entry.at, text=entry.text, source="manual",
                          actor=entry.created_by.get_username() if entry.created_by else "", entry_id=entry.pk)
             for entry in TimelineEntry.objects.filter(postmortem=postmortem).select_related("created_by")]
    for report in report_list(user=user).filter(incident_id=postmortem.incident_id).select_related(None).only(
            "pk", "title", "created_at", "channel")[:200]:
        items.append(TimelineItem(at=report.created_at, text=f"WTF-{report.pk} filed via "
                                                             f"{report.get_channel_display()}: {report.title}",
                                  source="audit"))
    events = AuditEvent.objects.filter(target_type="incidents.incident", target_id=str(postmortem.incident_id),
                                       action__in=["incident.open", "incident.transition", "incident.merge",
                                                   "incident.reopen_regression"]).order_by("created_at")[:200]
    for event in events:
        phrase = event_phrase(event)
        items.append(TimelineItem(at=event.created_at, text=phrase[0].upper() + phrase[1:], source="audit",
                                  actor=event.actor_label))
    # Deploys, pipeline changes and version registrations around the incident (suspects included).
    for change in incident_changes(user=user, incident=postmortem.incident).timeline:
        items.append(TimelineItem(at=change.at, text=f"{change.kind_label}: {change.description}", source="change",
                                  actor=change.recorded_by))
    return sorted(items, key=lambda item: (item.at, item.source != "audit"))


def postmortem_facts(*, user, postmortem: Postmortem) -> dict[str, Any]:
    """What the tracker already knows, pulled into the Facts section: the reports (what was
    seen, what was expected, the logged input and output), the replays of them, the most
    suspicious input of each, and the evidence attached to the incident — each only as far as
    `user` may see it (a reporter sees their own report, not the other reporters')."""
    reports = list(report_list(user=user).defer(None).filter(incident_id=postmortem.incident_id)
                   .select_related("model_version", "reporter").prefetch_related("attachments")
                   .order_by("created_at")[:50])
    forensics = {row.report_id: row for row in ReportForensics.objects.filter(report__in=reports)}
    readers = LoggedInputsReaders(user)
    for report in reports:
        # A reporter outside the team reads their own report here, as on its page: logged values stay the team's.
        report.inputs_withheld = not readers.may_read(report)
        checks = [] if report.inputs_withheld or not report.model_version_id else input_checks(
            model_version=report.model_version, features=report.features or {})
        report.top_check = checks[0] if checks else None
        report.forensics = forensics.get(report.pk)
    replays = list(replay_list(user=user).filter(reports__incident_id=postmortem.incident_id).distinct()
                   .select_related("model_version").order_by("-created_at")[:20])
    evidence = evidence_as_seen_by(user=user, incident=postmortem.incident,
                                   rows=list(IncidentEvidence.objects.filter(incident_id=postmortem.incident_id)))
    return {"reports": reports, "replays": replays, "evidence": evidence}


def root_cause_category_label(value: str) -> str:
    return RootCauseCategory(value).label if value in RootCauseCategory.values else ""
