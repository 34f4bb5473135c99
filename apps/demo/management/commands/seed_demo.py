from django.core.management.base import BaseCommand

from apps.demo.services import DEMO_PASSWORD, DEMO_USERNAME, seed_demo


class Command(BaseCommand):
    help = ("Load the demo: a wine classifier with two versions, logged predictions and a few WTF reports, and a "
            "homepage recommender with a post-mortem in review.")

    def handle(self, *args, **options):
        summary = seed_demo()
        self.stdout.write(
            f"Demo ready: {summary.versions} versions, {summary.predictions} new predictions, "
            f"{summary.reports} new reports. Sign in as {DEMO_USERNAME} / {DEMO_PASSWORD} (admin); "
            f"sam (team member) and casey (reporter) have the same password."
        )
