"""Full-text search documents on PostgreSQL (see apps/search/pg_documents.py for why a stored,
generated tsvector column with a GIN index)."""

from django.db import migrations

from apps.search.pg_documents import documents_operation

SOURCES = ("report", "incident", "incident_public", "postmortem", "why_node", "action_item", "action_item_comment")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_backfill_fingerprints"),
        ("incidents", "0005_public_title"),
        ("postmortems", "0003_meeting_presenter"),
        ("actions", "0003_tickets_reminders_webhooks_exports"),
    ]

    operations = [documents_operation(SOURCES)]
