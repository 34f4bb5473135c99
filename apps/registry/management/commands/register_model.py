import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.services import team_create
from apps.core.errors import DomainError
from apps.registry.models import Backend
from apps.registry.services import (
    model_redaction_set,
    model_retention_set,
    model_team_assign,
    model_tolerance_set,
    model_version_register,
    read_reference_csv,
)


class Command(BaseCommand):
    help = "Register a model version: records the artifact's sha256, the feature schema and reference statistics."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("version")
        parser.add_argument("--artifact", required=True, help="joblib file (sklearn), models:/ URI or URL.")
        parser.add_argument("--backend", default=Backend.SKLEARN, choices=Backend.values)
        parser.add_argument("--no-check", action="store_true",
                            help="oip: register without asking the server for the model's metadata (an offline "
                                 "registration, for a server not up yet).")
        parser.add_argument("--reference", help="CSV of the training reference sample.")
        parser.add_argument("--schema", help="JSON file with the feature schema (inferred from --reference if absent).")
        parser.add_argument("--display-name", default="", help="Product name shown to reporters.")
        parser.add_argument("--team", help="Slug of the team that owns the model (created if missing).")
        parser.add_argument("--abs-tolerance", type=float,
                            help="Replays: a replayed score within this absolute distance of the logged one matches "
                                 "(labels always compare exactly). Default 1e-6.")
        parser.add_argument("--rel-tolerance", type=float,
                            help="Replays: … or within this fraction of the logged score. Default 1e-6.")
        parser.add_argument("--redact", metavar="NAME,NAME",
                            help="Features whose values are never stored (logged predictions and reports keep "
                                 "a marker). Replaces the model's list; --redact '' clears it.")
        parser.add_argument("--retention-days", type=int, metavar="DAYS",
                            help="Days this model's logged predictions are kept (default: "
                                 "PREDICTION_RETENTION_DAYS). 0 returns to the site default.")

    def handle(self, *args, **options):
        schema = None
        if options["schema"]:
            try:
                schema = json.loads(Path(options["schema"]).read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the schema file: {exc}") from exc
        try:
            reference = read_reference_csv(options["reference"]) if options["reference"] else None
            # One transaction: a model must never take predictions without the redaction asked for.
            with transaction.atomic():
                version = model_version_register(
                    model_name=options["name"], version=options["version"], artifact_uri=options["artifact"],
                    backend=options["backend"], reference=reference, schema=schema,
                    display_name=options["display_name"], check_server=not options["no_check"],
                )
                if options["team"]:
                    model_team_assign(model=version.model,
                                      team=team_create(slug=options["team"], name=options["team"]))
                if options["redact"] is not None:
                    names = [name.strip() for name in options["redact"].split(",") if name.strip()]
                    model_redaction_set(model=version.model, features=names)
                if options["retention_days"] is not None:
                    model_retention_set(model=version.model, days=options["retention_days"] or None)
                if options["abs_tolerance"] is not None or options["rel_tolerance"] is not None:
                    model_tolerance_set(model=version.model, abs_tolerance=options["abs_tolerance"],
                                        rel_tolerance=options["rel_tolerance"])
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            f"Registered {version} ({version.backend}, sha256 {version.sha256 or '-'}, "
            f"{len(version.feature_names)} features, {version.reference_rows} reference rows; replay tolerance "
            f"abs {version.model.abs_tolerance:g}, rel {version.model.rel_tolerance:g})"
        )
        model = version.model
        model.refresh_from_db(fields=["redacted_features", "retention_days"])
        if model.redacted_features:
            self.stdout.write(f"Redacted features of {model.name}: {', '.join(model.redacted_features)}")
        if model.retention_days:
            self.stdout.write(f"Logged predictions of {model.name} are kept {model.retention_days} days")
