"""The demo's past: four months of incidents on both demo models, so that the insights, search,
similar incidents and suspect changes have something true to show on first run. Early incidents were noticed
late and took days; later ones were caught within hours — the trend a team wants to see. Each
has its reports (with the logged prediction they name), its status moves in the audit trail at
the time they happened, and (most) a post-mortem with checked whys and action items, some done
late, some on time, one still overdue, and contributing factors; the change (a pipeline
migration, a rollout, a flag) that came shortly before several of them, where the pattern first
showed in the log (the incident's onset) and its ML signature; one incident came back as a
regression, and two severe ones still owe their post-mortem.

Written in bulk (a few INSERTs per table, no services: the services stamp "now", and this is
the past), once: a second run finds the history's predictions and adds nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from django.utils import timezone

from apps.actions.models import ActionItem, ReviewState, TicketStatus
from apps.audit.actions import AuditAction
from apps.audit.models import AuditEvent
from apps.incidents.models import Incident, IncidentOnset, IncidentStatus, SignalKind
from apps.incidents.report_fingerprint import Fingerprint
from apps.incidents.signature import incident_own_signals_write, incident_signals_add
from apps.postmortems.models import ContributingFactor, Postmortem, PostmortemStatus, WhyNode, WhyStatus
from apps.postmortems.services.factors import postmortem_signature_write
from apps.predictions.models import Prediction
from apps.registry.models import ChangeEvent, ModelVersion
from apps.reports.models import Channel, Report

PREFIX = "history-"  # the history's prediction ids: how a second run knows it is there


@dataclass(frozen=True)
class Ticket:
    title: str
    kind: str
    due_days: int  # after the post-mortem was written
    done_days: int | None  # after it was written; None: still open
    owner: str = "sam"


@dataclass(frozen=True)
class Past:
    model: str  # "wine" or "home"
    days_ago: float  # when the first report came in
    title: str
    severity: str
    detect_hours: float  # first logged prediction with the pattern → first report
    resolve_hours: float | None  # opening → resolution; None: still being worked on
    output: str
    pattern: str  # the fingerprint's input pattern ("magnesium:scale_shift"), "" for none
    changes: dict = field(default_factory=dict)  # the reported input, against a normal one
    cause: str = ""
    postmortem: str = ""  # a post-mortem status; "" for none
    summary: str = ""
    whys: tuple[tuple[str, str], ...] = ()
    tickets: tuple[Ticket, ...] = ()
    regression_days: float | None = None  # came back this many days after resolving, then resolved again
    closed: bool = False
    second_report_hours: float | None = None  # another person reported it this much later


WINE_HISTORY = [
    Past("wine", 105, "Magnesium arrives in µg after the lab-feed migration", "high", 30, 120, "class_0",
         "magnesium:scale_shift", {"magnesium": 1000}, "feature_pipeline", PostmortemStatus.PUBLISHED,
         "The lab feed's new export wrote magnesium in micrograms instead of milligrams; every value was 1,000× the "
         "training median and the model answered class_0 for most bottles for five days.",
         (("Why did most bottles get class_0?", "Magnesium was 1,000× the training median in every request."),
          ("Why was magnesium 1,000× larger?", "The migrated lab-feed export writes micrograms, not milligrams.")),
         (Ticket("Check the unit of every lab-feed column in the feed's contract test", "preventive", 10, 18),
          Ticket("Alert when a feature's median moves 100× in a day", "detective", 14, 12, owner="demo")),
         closed=True, second_report_hours=6),
    Past("wine", 92, "Cellar page blank for sparkling wines", "medium", 20, 50, "class_2", "",
         {}, "ui_product_surface", PostmortemStatus.APPROVED,
         "Sparkling wines have no cultivar in the catalogue; the page hid the whole box instead of saying so.",
         (("Why was the box blank?", "The page hides the box when the catalogue has no cultivar to link."),),
         (Ticket("Show 'no suggestion' instead of hiding the box", "corrective", 7, 6),), closed=True),
    Past("wine", 80, "Cultivar flips between page loads", "medium", 12, 72, "class_1", "",
         {}, "infrastructure", PostmortemStatus.PUBLISHED,
         "Two web nodes loaded different model artifacts after a partial deploy; the answer depended on the node.",
         (("Why did the answer change on reload?", "Each reload hit another node, each with another artifact."),
          ("Why did nodes differ?", "The deploy stopped halfway and nothing checked the artifact's sha256.")),
         (Ticket("Refuse to serve when the artifact's sha256 differs from the registry's", "preventive", 14, 20),),
         closed=True),
    Past("wine", 66, "Suggestions skewed after the spring vintage arrived", "high", 40, 96, "class_2",
         "color_intensity:above_max", {"color_intensity": 2.2}, "data_drift", PostmortemStatus.APPROVED,
         "The spring vintage is much darker than anything in training; colour intensity above the training maximum "
         "pushed suggestions to class_2.",
         (("Why class_2 for the new bottles?", "Colour intensity above the training maximum drives it."),),
         (Ticket("Add the spring vintage to the training data and retrain", "corrective", 21, 19),
          Ticket("Run the daily drift report on colour intensity with an alert", "detective", 10, 9, owner="demo")),
         closed=True),
    Past("wine", 52, "Flavanoids read as zero for one supplier", "high", 6, 30, "class_2", "flavanoids:below_min",
         {"flavanoids": 0.0}, "feature_pipeline", PostmortemStatus.PUBLISHED,
         "One supplier's sheets leave flavanoids empty and the pipeline wrote 0 instead of missing.",
         (("Why were flavanoids 0?", "Empty cells became 0 in the supplier import."),
          ("Why did the import write 0?", "Its default for a missing number is 0, not null.")),
         (Ticket("Import missing numbers as null and reject the row", "corrective", 7, 5),
          Ticket("Add the supplier's empty-cell sheet to the regression suite", "preventive", 14, 13, owner="demo")),
         regression_days=8, second_report_hours=3),
    Past("wine", 38, "Chat bot quotes an old cultivar list", "low", 4, 20, "class_1", "",
         {}, "business_rule"),
    Past("wine", 24, "Hue missing for imported wines", "high", 3, 16, "class_1", "hue:missing",
         {"hue": None}, "feature_pipeline", PostmortemStatus.APPROVED,
         "Imported wines come without a hue measurement; the model filled it with the training mean silently.",
         (("Why was hue empty?", "Imported wines are not measured for hue."),),
         (Ticket("Measure hue on arrival for imported wines", "process", 10, None),
          Ticket("Show 'hue unknown' on the cellar page", "corrective", 7, 6, owner="demo"))),
    Past("wine", 12, "Ash values doubled after the warehouse sync", "critical", 2, 8, "class_0", "ash:scale_shift",
         {"ash": 2}, "feature_pipeline", PostmortemStatus.DRAFT,
         "The warehouse sync summed two ash measurements instead of taking one."),
    Past("wine", 5, "Malic acid outside the training range for one supplier", "medium", 1.5, None, "class_1",
         "malic_acid:above_max", {"malic_acid": 3}),
]

HOME_HISTORY = [
    Past("home", 98, "Men's homepage shows only watches", "high", 26, 100, "mens_watches", "",
         {}, "modelling_assumption", PostmortemStatus.PUBLISHED,
         "Accounts with no history all got the most popular category: watches; new accounts were never modelled.",
         (("Why only watches?", "Accounts without history fall to the most popular category."),),
         (Ticket("Give new accounts a diverse cold-start list", "corrective", 14, 25),), closed=True),
    Past("home", 70, "Account age arrives in milliseconds after the tracking SDK update", "high", 18, 60,
         "womens_dresses", "account_age_days:scale_shift", {"account_age_days": 86_400_000},
         "feature_pipeline", PostmortemStatus.PUBLISHED,
         "The tracking SDK update sends account age in milliseconds since sign-up instead of days; every account "
         "looked ancient and got the long-time customers' categories.",
         (("Why did every account look ancient?", "Account age was 86,400,000× larger: milliseconds, not days."),
          ("Why milliseconds?", "The SDK's new version changed the unit; our schema never stated one.")),
         (Ticket("State units in the feature schema and check them at intake", "preventive", 14, 13),
          Ticket("Pin the tracking SDK and review its changelog on upgrade", "process", 7, 9, owner="demo")),
         closed=True, second_report_hours=2),
    Past("home", 45, "Women's homepage recommends men's shoes to new accounts", "medium", 10, 40, "mens_shoes", "",
         {}, "modelling_assumption", PostmortemStatus.APPROVED,
         "New accounts have no segment yet; the default segment was men.",
         (("Why men's shoes?", "A new account's segment defaults to men."),),
         (Ticket("Use the homepage's own segment for new accounts", "corrective", 10, 8),)),
    Past("home", 30, "Recommendations frozen during the sale", "high", 2, 12, "mens_shirts", "",
         {}, "infrastructure", PostmortemStatus.PUBLISHED,
         "The feature cache stopped refreshing under sale traffic; everyone got yesterday's recommendations.",
         (("Why frozen?", "The feature cache's refresh job timed out under load."),),
         (Ticket("Alert when the feature cache is older than an hour", "detective", 7, 4),
          Ticket("Load-test the refresh job at sale traffic", "preventive", 14, 12, owner="demo")), closed=True),
    Past("home", 9, "Recommendation box empty for returning customers", "high", 1, 6, "mens_shoes", "", {},
         "", PostmortemStatus.DRAFT, "Returning customers saw an empty box for six hours."),
]


# What else made each incident possible (the first is the trigger), for the post-mortems that have them.
FACTORS = {
    "Magnesium arrives in µg after the lab-feed migration": [
        ("feature_pipeline", "The lab-feed migration changed the unit of magnesium.", "known"),
        ("training_serving_skew", "Nothing compared live inputs with the training reference.", "known")],
    "Cultivar flips between page loads": [
        ("infrastructure", "A deploy stopped halfway across the web nodes.", "known")],
    "Suggestions skewed after the spring vintage arrived": [
        ("data_drift", "The spring vintage is darker than any wine in training.", "known"),
        ("modelling_assumption", "The model assumed this year's wines look like last year's.", "potential")],
    "Flavanoids read as zero for one supplier": [
        ("feature_pipeline", "The supplier import writes 0 for an empty cell.", "known"),
        ("business_rule", "Suppliers may leave measurements out of their sheets.", "potential")],
    "Hue missing for imported wines": [
        ("feature_pipeline", "Imported wines are not measured for hue.", "known")],
    "Men's homepage shows only watches": [
        ("modelling_assumption", "New accounts were never modelled.", "known")],
    "Account age arrives in milliseconds after the tracking SDK update": [
        ("feature_pipeline", "The tracking SDK changed account age from days to milliseconds.", "known"),
        ("training_serving_skew", "The feature schema states no units, so nothing checked them.", "known")],
    "Women's homepage recommends men's shoes to new accounts": [
        ("modelling_assumption", "A new account's segment defaults to men.", "known"),
        ("ui_product_surface", "The women's homepage does not pass its own segment.", "potential")],
    "Recommendations frozen during the sale": [
        ("infrastructure", "The feature cache's refresh job times out under sale traffic.", "known")],
}
# The change that came shortly before each pattern first showed in the log (kind, what, hours before).
CHANGES = {
    "Magnesium arrives in µg after the lab-feed migration": ("feature_pipeline", "Lab-feed export migrated to the "
                                                             "new laboratory system", 2),
    "Cultivar flips between page loads": ("deploy", "Web deploy 2026.08.3 (stopped on 2 of 4 nodes)", 1),
    "Flavanoids read as zero for one supplier": ("feature_pipeline", "Supplier import rewritten for the new "
                                                 "sheet format", 3),
    "Ash values doubled after the warehouse sync": ("data_backfill", "Warehouse sync backfilled ash for the "
                                                    "autumn stock", 1),
    "Account age arrives in milliseconds after the tracking SDK update": ("rollout", "Tracking SDK 5.0 rolled "
                                                                          "out to the homepage", 4),
    "Recommendations frozen during the sale": ("feature_flag", "Sale mode switched on for the homepage", 1),
}


def seed_history(*, wine: ModelVersion, home: ModelVersion, people: dict, features: pd.DataFrame,
                 home_features: pd.DataFrame, now: datetime | None = None) -> tuple[int, int]:
    """Loads the history unless it is there; returns how many predictions and reports it added."""
    if Prediction.objects.filter(prediction_id__startswith=PREFIX, model__in=[wine.model, home.model]).exists():
        return 0, 0
    now = now or timezone.now()
    writer = _Writer(now=now, people=people)
    for index, past in enumerate([*WINE_HISTORY, *HOME_HISTORY]):
        version, frame = (wine, features) if past.model == "wine" else (home, home_features)
        writer.add(index, past, version, frame.iloc[(index * 7) % len(frame)].to_dict())
    return writer.flush()


class _Writer:
    def __init__(self, *, now: datetime, people: dict):
        self.now, self.people = now, people
        self.events: list[AuditEvent] = []
        self.changes: list[ChangeEvent] = []
        self.predictions = self.reports = 0

    def _event(self, target, action: AuditAction, at: datetime, *, old=None, new=None, actor: str = "sam") -> None:
        self.events.append(AuditEvent(created_at=at, actor=self.people.get(actor), actor_label=actor, action=action,
                                      target_type=target._meta.label_lower, target_id=str(target.pk),
                                      target_label=str(target)[:200], old=old or {}, new=new or {}))

    def add(self, index: int, past: Past, version: ModelVersion, row: dict) -> None:
        opened = self.now - timedelta(days=past.days_ago)
        features = {name: _plain(value) for name, value in row.items()}
        for name, change in past.changes.items():
            features[name] = None if change is None else (
                round(features[name] * change, 3) if isinstance(features[name], (int, float)) and change > 1
                else change)
        surface = "cellar-page" if past.model == "wine" else "homepage-men"
        fingerprint = Fingerprint(model=version.model.name, output=past.output, surface=surface, pattern=past.pattern)
        incident = Incident.objects.create(
            model=version.model, title=past.title, severity=past.severity, fingerprint=fingerprint.key,
            fingerprint_label=fingerprint.label, created_at=opened, updated_at=opened, status=IncidentStatus.OPEN,
            owner=self.people["sam"])
        self._event(incident, AuditAction.INCIDENT_OPEN, opened, new={"status": "open"}, actor="system")
        self._reports(index, past, version, incident, opened, features, surface)
        if past.resolve_hours is None:
            self._move(incident, IncidentStatus.OPEN, IncidentStatus.INVESTIGATING, opened + timedelta(hours=1))
        else:
            self._move(incident, IncidentStatus.OPEN, IncidentStatus.INVESTIGATING, opened + timedelta(hours=1))
            resolved = opened + timedelta(hours=past.resolve_hours)
            self._move(incident, IncidentStatus.INVESTIGATING, IncidentStatus.RESOLVED, resolved)
            if past.regression_days is not None:
                back = resolved + timedelta(days=past.regression_days)
                self._event(incident, AuditAction.INCIDENT_REGRESSION, back, old={"status": "resolved"},
                            new={"status": "open", "model_version": version.version}, actor="system")
                incident.reopened_count += 1
                incident.regression_count += 1
                self._move(incident, IncidentStatus.OPEN, IncidentStatus.RESOLVED, back + timedelta(hours=10))
            if past.closed:
                # A month after resolving, but never in the future: My reports said "last change in 11 h".
                closed = max(resolved, min(resolved + timedelta(days=30), self.now - timedelta(hours=1)))
                self._move(incident, IncidentStatus.RESOLVED, IncidentStatus.CLOSED, closed)
        postmortem = self._postmortem(past, incident, opened) if past.postmortem else None
        Incident.objects.filter(pk=incident.pk).update(status=incident.status, updated_at=incident.updated_at,
                                                       resolved_at=incident.resolved_at,
                                                       reopened_count=incident.reopened_count,
                                                       regression_count=incident.regression_count)
        onset = opened - timedelta(hours=past.detect_hours)
        if past.pattern:
            feature, kind = past.pattern.split(":")
            IncidentOnset.objects.create(incident=incident, first_odd_prediction_at=onset,
                                         prediction_id=f"{PREFIX}{index:03d}-0", computed_at=opened,
                                         pattern=f"`{feature}` {kind.replace('_', ' ')}")
            incident_signals_add(incident_id=incident.pk, kind=SignalKind.FEATURE, values=[feature])
            incident_signals_add(incident_id=incident.pk, kind=SignalKind.FLAG, values=[past.pattern])
            incident_signals_add(incident_id=incident.pk, kind=SignalKind.FLAG_KIND, values=[kind])
        incident_own_signals_write(incident=incident)
        if postmortem is not None:
            postmortem_signature_write(postmortem=postmortem)
        if past.title in CHANGES:
            kind, description, hours = CHANGES[past.title]
            self.changes.append(ChangeEvent(model=version.model, kind=kind, description=description,
                                            at=onset - timedelta(hours=hours), recorded_by=self.people["demo"],
                                            recorded_via="release pipeline", created_at=onset - timedelta(hours=hours)))

    def _move(self, incident: Incident, old: str, new: str, at: datetime) -> None:
        self._event(incident, AuditAction.INCIDENT_TRANSITION, at, old={"status": old}, new={"status": new, "note": ""})
        incident.status, incident.updated_at = new, at
        if new == IncidentStatus.RESOLVED:  # what incident_transition keeps on the row
            incident.resolved_at = at

    def _reports(self, index: int, past: Past, version: ModelVersion, incident: Incident, opened: datetime,
                 features: dict, surface: str) -> None:
        filed = [(opened, self.people["demo"])]
        if past.second_report_hours is not None:
            filed.append((opened + timedelta(hours=past.second_report_hours), self.people["sam"]))
        predictions = Prediction.objects.bulk_create([
            Prediction(model=version.model, model_version=version, prediction_id=f"{PREFIX}{index:03d}-{number}",
                       timestamp=(opened - timedelta(hours=past.detect_hours) if number == 0
                                  else at - timedelta(minutes=20)),
                       received_at=at, features=features, output=past.output,
                       context={"surface": surface, "request_id": f"req-{PREFIX}{index:03d}-{number}"})
            for number, (at, _person) in enumerate(filed)])
        reports = Report.objects.bulk_create([
            Report(model=version.model, model_version=version, logged_prediction=prediction,
                   prediction_id=prediction.prediction_id, features=features, output=past.output,
                   title=past.title if number == 0 else f"Again: {past.title.lower()}",
                   description=past.summary.split(";")[0] if past.summary else "", severity=past.severity,
                   context={"surface": surface}, channel=Channel.FORM, reporter=person, incident=incident,
                   fingerprint=incident.fingerprint, created_at=at)
            for number, (prediction, (at, person)) in enumerate(zip(predictions, filed, strict=True))])
        self.predictions, self.reports = self.predictions + len(predictions), self.reports + len(reports)
        for report in reports:
            self._event(report, AuditAction.REPORT_CREATE, report.created_at,
                        new={"incident": incident.pk, "channel": "form", "model_version": version.version},
                        actor=report.reporter.get_username())

    def _postmortem(self, past: Past, incident: Incident, opened: datetime) -> Postmortem:
        written = opened + timedelta(hours=(past.resolve_hours or 24) + 20)
        done = past.postmortem in (PostmortemStatus.APPROVED, PostmortemStatus.PUBLISHED)
        postmortem = Postmortem.objects.create(
            incident=incident, status=past.postmortem, author=self.people["sam"], summary=past.summary,
            facts=past.summary, root_cause_category=past.cause if done else "",
            root_cause_summary=past.whys[-1][1] if past.whys and done else "",
            went_well="The reports named the logged prediction, so the inputs were there at once." if done else "",
            went_wrong="Nobody noticed before a customer did." if done else "",
            review_requested_at=written + timedelta(days=1) if done else None,
            approved_by=self.people["demo"] if done else None,
            approved_at=written + timedelta(days=2) if done else None,
            published_at=written + timedelta(days=3) if past.postmortem == PostmortemStatus.PUBLISHED else None,
            updated_by=self.people["sam"], created_at=written, updated_at=written + timedelta(days=3))
        parent = None
        for position, (question, answer) in enumerate(past.whys):
            parent = WhyNode.objects.create(
                postmortem=postmortem, parent=parent, question=question, answer=answer, position=position,
                status=WhyStatus.CONFIRMED, decision_note="Checked against the logged inputs.",
                decided_by=self.people["demo"], decided_at=written + timedelta(days=1),
                created_by=self.people["sam"], created_at=written, updated_at=written + timedelta(days=1))
        items = ActionItem.objects.bulk_create([
            ActionItem(incident=incident, title=ticket.title, kind=ticket.kind,
                       review_state=ReviewState.ACCEPTED, proposed_by=self.people["sam"],
                       reviewed_by=self.people["demo"], reviewed_at=written + timedelta(days=1),
                       owner=self.people[ticket.owner], due_date=(written + timedelta(days=ticket.due_days)).date(),
                       status=TicketStatus.DONE if ticket.done_days is not None else TicketStatus.OPEN,
                       created_at=written, updated_at=written + timedelta(days=ticket.done_days or 1),
                       finished_at=written + timedelta(days=ticket.done_days) if ticket.done_days is not None else None)
            for ticket in past.tickets])
        for item, ticket in zip(items, past.tickets, strict=True):
            if ticket.done_days is not None:
                self._event(item, AuditAction.ACTION_ITEM_TRANSITION, written + timedelta(days=ticket.done_days),
                            old={"status": "open"}, new={"status": "done", "reason": ""}, actor=ticket.owner)
        ContributingFactor.objects.bulk_create([
            ContributingFactor(postmortem=postmortem, category=category, description=description, certainty=certainty,
                               is_trigger=position == 0, position=position, created_by=self.people["sam"],
                               created_at=written, updated_at=written)
            for position, (category, description, certainty) in enumerate(FACTORS.get(past.title, []))])
        return postmortem

    def flush(self) -> tuple[int, int]:
        AuditEvent.objects.bulk_create(self.events)
        ChangeEvent.objects.bulk_create(self.changes)
        return self.predictions, self.reports


def _plain(value):
    return value.item() if hasattr(value, "item") else value
