"""Fills `resolved_at`, `reopened_count` and `regression_count` (0008) for the incidents that
existed before `incident_transition` kept them, from the audit trail that held the answers
until now (apps/incidents/lifecycle.py as it stood):

- `resolved_at`: the time of the latest `incident.transition` to resolved;
- `reopened_count`: moves by hand from resolved or closed to open, plus regression reopens;
- `regression_count`: the `incident.regression` events.

One UPDATE with correlated subqueries, on SQLite and PostgreSQL alike. Backwards there is
nothing to undo: reversing 0008 drops the columns."""

from django.db import migrations
from django.db.models import CharField, Count, DateTimeField, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce

TARGET = "incidents.incident"
RESOLVED_NOW = ["resolved", "closed"]


def _count(events) -> Coalesce:
    counted = (events.order_by().values("target_type").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def fill(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    own = AuditEvent.objects.filter(target_type=TARGET, target_id=Cast(OuterRef("pk"), output_field=CharField()))
    moves = own.filter(action="incident.transition")
    latest_resolution = Subquery(moves.filter(new__status="resolved").order_by("-created_at", "-id")
                                 .values("created_at")[:1], output_field=DateTimeField())
    by_hand = moves.filter(new__status="open", old__status__in=RESOLVED_NOW)
    regressions = own.filter(action="incident.regression")
    Incident.objects.update(resolved_at=latest_resolution,
                            reopened_count=_count(by_hand) + _count(regressions),
                            regression_count=_count(regressions))


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0008_resolution_columns"),
        ("audit", "0003_audit_client_request_id"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
