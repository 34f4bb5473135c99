from rest_framework import serializers

from apps.incidents.models import IncidentStatus
from apps.postmortems.models import RootCauseCategory

from ..documents import KINDS
from ..engine import PERIODS
from ..selectors import MAX_PAGE, MAX_QUERY_LENGTH


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, trim_whitespace=True, help_text=(
        "The words to find. PostgreSQL: English stemming and web-search syntax (\"quoted phrase\", or, -word). "
        f"At most {MAX_QUERY_LENGTH} characters."))
    type = serializers.ChoiceField(choices=list(KINDS), required=False, help_text="Only results of this type.")
    model = serializers.CharField(max_length=100, required=False, help_text="Only results about this model (its name).")
    status = serializers.ChoiceField(choices=IncidentStatus.values, required=False,
                                     help_text="Only results whose incident has this status.")
    root_cause = serializers.ChoiceField(choices=RootCauseCategory.values, required=False,
                                         help_text="Only results whose post-mortem names this root-cause category.")
    tag = serializers.CharField(max_length=50, required=False, help_text="Only results whose incident has this tag.")
    factor = serializers.ChoiceField(choices=RootCauseCategory.values, required=False, help_text=(
        "Only results whose post-mortem records a contributing factor of this category."))
    date = serializers.ChoiceField(choices=list(PERIODS), required=False,
                                   help_text="Only results created in the past week, 30 days, year, or before.")
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, required=False, default=1)


class SearchResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=list(KINDS), source="kind")
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The page for people.")
    snippet = serializers.CharField(help_text="HTML: the text around the words found, escaped, with <mark> around "
                                              "each match.")
    score = serializers.FloatField(help_text="Relevance; higher is better. Comparable within one search only.")


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = SearchResultSerializer(many=True)
    facets = serializers.DictField(child=FacetOptionSerializer(many=True), help_text=(
        "Counts of the results by type, model, incident status, root cause, contributing factor, tag and date; "
        "only what you may see."))
