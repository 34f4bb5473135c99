from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts.models import INTAKE_SCOPES
from apps.accounts.services import api_token_create, bot_account_create
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print its key once (only a hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="default", help="A label to tell tokens apart.")
        parser.add_argument("--scope", choices=["full", "intake"], default="full",
                            help="'intake' limits the key to filing reports, logging predictions and feedback.")
        parser.add_argument("--expires-days", type=int, help="Days until the key stops working (default: never).")
        parser.add_argument("--bot", action="store_true",
                            help="Create USERNAME as a bot account (no password) if it does not exist.")

    def handle(self, *args, **options):
        if options["expires_days"] is not None and options["expires_days"] <= 0:
            raise CommandError("--expires-days must be a positive number of days.")
        expires_at = (timezone.now() + timedelta(days=options["expires_days"])) if options["expires_days"] else None
        try:
            if options["bot"] and not get_user_model().objects.filter(username=options["username"]).exists():
                bot_account_create(username=options["username"], description="created by create_api_token")
            issued = api_token_create(username=options["username"], name=options["name"], expires_at=expires_at,
                                      scopes=INTAKE_SCOPES if options["scope"] == "intake" else None)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(issued.key)
