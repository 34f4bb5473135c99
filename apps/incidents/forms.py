from django import forms

from .models import IncidentStatus, Severity


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


class IncidentMoveForm(forms.Form):
    """What a status move from the incident page needs. Shape and the choices on offer only:
    which moves are allowed, and when a note is required, is incident_transition's business."""

    # Every status: a move the state machine refuses (the page was stale) is the service's to explain.
    to = forms.ChoiceField(choices=IncidentStatus.choices)
    note = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}))
    fixed_in_version = forms.ChoiceField(required=False, label="Fix shipped in version")
    into = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Duplicate of")

    def __init__(self, *args, console, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fixed_in_version"].choices = [("", "None: fixed outside the model")] + [
            (choice.value, choice.value) for choice in console.versions]
        self.fields["into"].choices = [("", "Choose the incident it duplicates…")] + [
            (choice.value, choice.label) for choice in console.duplicate_targets]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to") == "duplicate" and not cleaned.get("into"):
            self.add_error("into", "Choose the incident this one duplicates.")
        return cleaned


class IncidentFieldsForm(forms.Form):
    """Severity and owner, edited in place. The owner is one of the people on offer (the
    owning team's members); an empty owner means nobody."""

    severity = forms.ChoiceField(required=False, choices=[])
    owner = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args, console, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [(choice.value, choice.label) for choice in console.severities]
        self.fields["owner"].choices = [("", "Nobody yet")] + [(choice.value, choice.label)
                                                                for choice in console.owners]

    def changes(self) -> dict[str, str]:
        """Only what the request sent: "Assign to me" sends the owner alone."""
        return {name: self.cleaned_data[name] for name in ("severity", "owner") if name in self.data}

    def clean_severity(self):
        if "severity" in self.data and not self.cleaned_data["severity"]:
            raise forms.ValidationError("Choose a severity.")
        return self.cleaned_data["severity"]


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
    team = forms.ChoiceField(required=False, label="Team")
    owner = forms.ChoiceField(required=False, label="Owner")
    since = forms.DateField(required=False, label="Opened from", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Opened until", widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, label="Sort", choices=list(SORTS.items()))
    # Narrowings that the insights' figures link with; carried as hidden fields and named above the list.
    version = forms.CharField(required=False, max_length=100, label="Version", widget=forms.HiddenInput)
    root_cause = forms.SlugField(required=False, max_length=32, label="Root cause", widget=forms.HiddenInput)
    factor = forms.SlugField(required=False, max_length=32, label="Contributing factor", widget=forms.HiddenInput)
    resolved_since = forms.DateField(required=False, label="Resolved from", widget=forms.HiddenInput)
    resolved_until = forms.DateField(required=False, label="Resolved until", widget=forms.HiddenInput)
    came_back = forms.ChoiceField(required=False, label="Came back", widget=forms.HiddenInput,
                                  choices=[("", "Either"), ("reopened", "Reopened"), ("regression", "A regression")])

    NARROWINGS = ("version", "root_cause", "factor", "resolved_since", "resolved_until", "came_back")

    def narrowings(self) -> list[str]:
        """The hidden narrowings in force, in words ("Resolved from: 30 Nov 2026")."""
        data = getattr(self, "cleaned_data", {})
        shown = []
        for name in self.NARROWINGS:
            value = data.get(name)
            if value in (None, ""):
                continue
            if name == "came_back":
                value = dict(self.fields[name].choices)[value]
            elif hasattr(value, "strftime"):
                value = f"{value:%-d %b %Y}"
            shown.append(f"{self.fields[name].label}: {str(value).replace('_', ' ')}")
        return shown

    def __init__(self, data=None, *, models: list[tuple[str, str]], owners: list[tuple[str, str]],
                 teams: list[tuple[str, str]]):
        super().__init__(data, label_suffix="")
        self.fields["team"].choices = [("", "Any team"), *teams]
        self.fields["status"].choices = [("", "Any status"), ("active", "Active (not yet resolved)"),
                                         *IncidentStatus.choices]
        self.fields["severity"].choices = [("", "Any severity"), *Severity.choices]
        self.fields["model"].choices = [("", "Any model"), *models]
        self.fields["owner"].choices = [("", "Anyone"), ("me", "Me"), ("none", "Nobody yet"), *owners]


class IncidentAccessForm(forms.Form):
    """Who sees the incident: restricted to the owning team and the people named, and the title
    readers outside the team see. Which combinations are allowed is incident_update's business."""

    restricted = forms.BooleanField(required=False, label="Restrict it to the team and the people named")
    restricted_to = forms.MultipleChoiceField(required=False, label="People named besides the team")
    public_title = forms.CharField(required=False, max_length=200, label="Title readers outside the team see")

    def __init__(self, *args, people: list[str], **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["restricted_to"].choices = [(name, name) for name in people]
