from django import forms
from rest_framework.exceptions import ParseError

from apps.core.parsers import loads_checked
from apps.registry.models import ModelVersion

from .models import Channel


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ModelVersion) -> str:
        return f"{obj.model} — version {obj.version}"


class ReportForm(forms.Form):
    """The minimal bug-report form: what was seen, with the model's inputs and output."""

    model_version = VersionChoiceField(
        queryset=ModelVersion.objects.select_related("model").order_by("model__name", "-created_at"),
        label="Which model, which version?", empty_label="Choose…",
    )
    prediction_id = forms.CharField(
        required=False, max_length=200, label="Prediction id (if you have one)",
        help_text="We look up the logged inputs and output for you; then the two fields below may stay empty.",
    )
    features = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
        label="Input features (JSON)", help_text='For example {"alcohol": 13.2, "proline": 1065}',
    )
    output = forms.CharField(required=False, max_length=10_000, label="What the model answered",
                             help_text='A label, a number, or JSON, e.g. "class_0" or 0.93')
    title = forms.CharField(max_length=200, label="What looked wrong, in a few words")
    expected = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}),
                               label="What did you expect instead?")
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4}),
                                  label="Anything else (where you saw it, who was affected)")
    screenshot = forms.FileField(
        required=False, label="Screenshot",
        help_text="Optional: a PNG, JPEG, GIF or WebP picture of what you saw.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    allow_schema_mismatch = forms.BooleanField(
        required=False, label="File it anyway with these features as they are",
        help_text="Tick this if the odd input is part of what you saw.",
    )

    def clean_features(self):
        raw = self.cleaned_data["features"].strip()
        if not raw:
            return None
        try:
            value = loads_checked(raw.encode())  # the API's parser: no NaN, Infinity or NUL characters
        except ParseError as exc:
            raise forms.ValidationError(f"{exc.detail} Paste the features as a JSON object.") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError('Paste the features as a JSON object, like {"name": value}.')
        return value

    def clean_output(self):
        raw = self.cleaned_data["output"].strip()
        if not raw:
            return None
        try:
            return loads_checked(raw.encode())
        except ParseError:
            return raw  # a bare label such as class_0 (or NaN) is kept as the text the reporter saw

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("prediction_id") and cleaned.get("features") is None and not self.has_error("features"):
            self.add_error("features", "Paste the input features, or give a prediction id so we can look them up.")
        return cleaned


class ReportMoveForm(forms.Form):
    """Shape only: an empty choice means "a new incident of its own" (unmerge)."""

    incident = forms.IntegerField(min_value=1, required=False, label="Move to")


class ReportFilterForm(forms.Form):
    """The report list's search box and filters, in the URL so a view can be shared."""

    q = forms.CharField(required=False, max_length=200, label="Search", widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "Title, WTF-12 or prediction id"}))
    model = forms.ChoiceField(required=False, label="Model")
    channel = forms.ChoiceField(required=False, label="Channel")
    incident_status = forms.ChoiceField(required=False, label="Incident")
    since = forms.DateField(required=False, label="Filed from", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Filed until", widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, label="Sort", choices=[("newest", "Newest first"),
                                                                    ("oldest", "Oldest first")])

    def __init__(self, data=None, *, models: list[tuple[str, str]]):
        super().__init__(data, label_suffix="")
        self.fields["model"].choices = [("", "Any model"), *models]
        self.fields["channel"].choices = [("", "Any channel"), *Channel.choices]
        self.fields["incident_status"].choices = [("", "Any"), ("active", "Still being worked on"),
                                                  ("done", "Resolved or closed"), ("declined", "Declined")]
