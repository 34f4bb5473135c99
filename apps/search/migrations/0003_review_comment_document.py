"""The search document of post-mortem review comments (issue 18: comments are searched; a
comment's words find its post-mortem); see 0001 for why a stored generated column."""

from django.db import migrations

from apps.search.pg_documents import documents_operation

SOURCES = ("postmortem_comment",)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_contributing_factor_document"),
        ("postmortems", "0001_initial"),
    ]

    operations = [documents_operation(SOURCES)]
