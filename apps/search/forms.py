from django import forms

from apps.incidents.models import IncidentStatus
from apps.postmortems.models import RootCauseCategory

from .documents import KINDS
from .engine import PERIODS
from .selectors import MAX_QUERY_LENGTH


class SearchForm(forms.Form):
    """The search page's GET form: the words and the facets chosen."""

    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, label="Search",
                        error_messages={"max_length": f"Search for at most {MAX_QUERY_LENGTH} characters."})
    type = forms.ChoiceField(required=False, choices=[("", "Any")] + list(KINDS.items()))
    model = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(required=False, choices=[("", "Any")] + IncidentStatus.choices)
    root_cause = forms.ChoiceField(required=False, choices=[("", "Any")] + RootCauseCategory.choices)
    tag = forms.CharField(required=False, max_length=50)
    factor = forms.ChoiceField(required=False, choices=[("", "Any")] + RootCauseCategory.choices,
                               label="Contributing factor")
    date = forms.ChoiceField(required=False, choices=[("", "Any")] + [(key, label) for key, (label, _) in
                                                                       PERIODS.items()])
