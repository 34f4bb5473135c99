from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import api_token_create
from apps.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print its key once (only a hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="default", help="A label to tell tokens apart.")

    def handle(self, *args, **options):
        try:
            issued = api_token_create(username=options["username"], name=options["name"])
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(issued.key)
