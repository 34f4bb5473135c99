"""`python manage.py rebuild_incident_signatures [--incident ID ...]`: recomputes what similar
incidents and suspect change events are judged by, for incidents made before they existed (run
once after upgrading) or after importing history. Safe to run again: it writes the same rows."""

from django.core.management.base import BaseCommand

from apps.incidents.models import Incident
from apps.postmortems.signatures import incident_signature_rebuild


class Command(BaseCommand):
    help = "Recompute every incident's ML signature (similar incidents) and onset (suspect changes)."

    def add_arguments(self, parser):
        parser.add_argument("--incident", type=int, action="append", help="Only this incident (repeatable).")

    def handle(self, *args, **options):
        ids = options["incident"] or list(Incident.objects.order_by("pk").values_list("pk", flat=True))
        for number, incident_id in enumerate(ids, 1):
            incident_signature_rebuild(incident_id=incident_id)
            if number % 500 == 0:
                self.stdout.write(f"{number:,} of {len(ids):,} incidents…")
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the signatures of {len(ids):,} incidents."))
