"""The search document of contributing factors (issue 18: a post-mortem is found by its factors'
descriptions too); see 0001 for why a stored generated column."""

from django.db import migrations

from apps.search.pg_documents import documents_operation

SOURCES = ("factor",)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_search_documents"),
        ("postmortems", "0004_contributingfactor"),
    ]

    operations = [documents_operation(SOURCES)]
