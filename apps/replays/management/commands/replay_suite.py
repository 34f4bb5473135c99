"""The regression suite as a release gate:

    python manage.py replay_suite MODEL VERSION && deploy

Runs every resolved report with an expected outcome through VERSION, synchronously and
through the same code path as the workers, prints a table and exits 1 when any case
regressed (passed on an earlier version, fails now)."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.registry.selectors import model_get, model_version_get
from apps.replays.models import ReplayStatus, SuiteVerdict
from apps.replays.selectors import suite_reports, suite_results
from apps.replays.services import replay_run, replay_start

_LABEL = {SuiteVerdict.PASS: "pass", SuiteVerdict.REGRESSED: "REGRESSED", SuiteVerdict.STILL_FAILING: "still failing"}


def _short(value, width: int = 32) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= width else text[: width - 1] + "…"


class Command(BaseCommand):
    help = ("Run the regression suite (resolved reports with an expected outcome) against MODEL VERSION; "
            "exit 1 if any case regressed.")

    def add_arguments(self, parser):
        parser.add_argument("model")
        parser.add_argument("version")

    def handle(self, *args, **options):
        try:
            model = model_get(name=options["model"])
            version = model_version_get(model=model, version=options["version"])
            reports = suite_reports(model=model)
            if not reports.exists():
                self.stdout.write(f"No resolved report of {model.name} has an expected outcome: nothing to check.")
                return
            replay = replay_start(actor=None, model_version=version, reports=reports, suite=True, dispatch=False)
            replay = replay_run(replay_id=replay.pk)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        if replay.status != ReplayStatus.SUCCEEDED:
            raise CommandError(f"The suite run {replay.pk} {replay.status}: {replay.error_message}")

        rows = [("report", "verdict", "expected", "replayed output", "title")]
        for result in suite_results(replay=replay):
            expected = getattr(result.report, "expected_outcome", None)
            rows.append((
                f"WTF-{result.report_id}", _LABEL.get(result.verdict, result.verdict or "-"),
                _short(str(expected)) if expected else "-",
                f"error: {_short(result.error)}" if result.error else _short(result.output),
                _short(result.report.title, 40),
            ))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for index, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        summary = (f"{version}: {replay.total} case(s) — {replay.passed} pass, {replay.regressed} regressed, "
                   f"{replay.still_failing} still failing ({replay.errors} raised an error); "
                   f"{replay.nondeterministic} nondeterministic. Replay {replay.pk}.")
        if replay.regressed:
            self.stderr.write(self.style.ERROR(f"REGRESSION: {summary}"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(summary))
