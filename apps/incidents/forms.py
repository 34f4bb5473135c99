from django import forms


class IncidentMergeForm(forms.Form):
    """Shape only: which incidents may be merged is incident_merge's business."""

    into = forms.IntegerField(min_value=1, label="Merge this incident into")
    note = forms.CharField(required=False, max_length=10_000, label="Why (optional)")


class IncidentEvidenceForm(forms.Form):
    """Shape only: incident_evidence_add checks kinds, links and ownership."""

    kind = forms.CharField(max_length=16)
    ref_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    url = forms.CharField(required=False, max_length=2000)
    title = forms.CharField(required=False, max_length=200)
    note = forms.CharField(required=False, max_length=10_000)


SORTS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "last_seen": "Last reported",
    "reports": "Most reports",
    "severity": "Most severe",
}


class IncidentFilterForm(forms.Form):
    """The incident list's search box and filters; they live in the URL, so a view can be shared."""

    q = forms.CharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, INC-12 or model"}))
    status = forms.ChoiceField(required=False, label="Status")
    severity = forms.ChoiceField(required=False, label="Severity")
    model = forms.ChoiceField(required=False, label="Model")
    owner = forms.ChoiceField(required=False, label="Owner")
    since = forms.DateField(required=False, label="Opened from", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Opened until", widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, label="Sort", choices=list(SORTS.items()))

    def __init__(self, data=None, *, models: list[tuple[str, str]], owners: list[tuple[str, str]]):
        from .models import IncidentStatus, Severity

        super().__init__(data)
        self.fields["status"].choices = [("", "Any status"), ("active", "Active (not yet resolved)"),
                                         *IncidentStatus.choices]
        self.fields["severity"].choices = [("", "Any severity"), *Severity.choices]
        self.fields["model"].choices = [("", "Any model"), *models]
        self.fields["owner"].choices = [("", "Anyone"), ("me", "Me"), ("none", "Nobody yet"), *owners]
