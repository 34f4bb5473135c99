from django.core.management.base import BaseCommand, CommandError

from apps.predictions.services import PURGE_BATCH_SIZE, predictions_purge


class Command(BaseCommand):
    help = ("Delete logged predictions older than their model's retention period (PREDICTION_RETENTION_DAYS, "
            "or the model's own); predictions a report points at are kept. Celery beat runs this daily.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        parser.add_argument("--batch-size", type=int, default=PURGE_BATCH_SIZE,
                            help=f"Rows deleted per transaction (default {PURGE_BATCH_SIZE}).")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = predictions_purge(dry_run=options["dry_run"], batch_size=options["batch_size"])
        verb = "Would delete" if result.dry_run else "Deleted"
        self.stdout.write(f"{verb} {result.deleted} logged prediction(s) past their retention period.")
        for name, count in result.per_model.items():
            self.stdout.write(f"  {name}: {count}")
        if result.kept_for_reports:
            self.stdout.write(f"Kept {result.kept_for_reports} past retention because reports point at them.")
