from django import forms
from rest_framework.exceptions import ParseError

from apps.core.parsers import loads_checked

from .models import Channel

POINTER_KINDS = [("prediction", "Prediction id"), ("request", "Request id"), ("customer", "Customer id")]
# What each kind of pointer becomes in the report: a prediction id is looked up in the log; a
# request or customer id goes into the context, where the team's candidate search finds it.
POINTER_CONTEXT_KEYS = {"request": "request_id", "customer": "customer_id"}
SEEN_AT_FORMAT = "%Y-%m-%dT%H:%M"


class ReportForm(forms.Form):
    """The report form for anyone, ML or not: what they saw first (only that is required), then,
    if they can, something that points at the prediction, and raw inputs only under Advanced.
    The version is never asked: it comes from the logged prediction, else the surface."""

    # What did you see?
    title = forms.CharField(
        max_length=200, label="What looked wrong?",
        help_text="In a few words, e.g. “The men’s homepage shows a handbag in the last-seen box”.",
        error_messages={"required": "Say in a few words what looked wrong.",
                        "max_length": "Keep it to 200 characters; put the rest under “Anything else”."},
    )
    expected = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2}),
                               label="What did you expect instead?")
    surface = forms.ChoiceField(required=False, label="Where did you see it?")
    seen_at = forms.DateTimeField(
        required=False, label="Roughly when?", input_formats=[SEEN_AT_FORMAT],
        help_text="Leave it as it is if it was just now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=SEEN_AT_FORMAT),
        error_messages={"invalid": "Give a day and a time, roughly: for example today at 14:30."},
    )
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}),
                                  label="Anything else?", help_text="Who was affected, what you were doing…")
    screenshot = forms.FileField(
        required=False, label="Screenshot",
        help_text="Paste it here (Ctrl+V), drop it on this box or choose the file: PNG, JPEG, GIF or WebP.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    # Can you point at it? (optional)
    pointer_kind = forms.ChoiceField(choices=POINTER_KINDS, initial="prediction", required=False,
                                     label="What do you have?", widget=forms.RadioSelect)
    prediction_id = forms.CharField(
        required=False, max_length=200, label="The id",
        help_text="From the page, a receipt, a log line or a support ticket. Leave it empty if you have none.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    # Advanced (for ML engineers)
    model = forms.ChoiceField(required=False, label="Model",
                              help_text="Only if no place above fits. The version comes from the log or the "
                                        "model's newest.")
    features = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "class": "mono"}),
        label="Input features (JSON)", help_text='For example {"alcohol": 13.2, "proline": 1065}',
    )
    output = forms.CharField(required=False, max_length=10_000, label="What the model answered",
                             help_text='A label, a number, or JSON, e.g. "class_0" or 0.93')
    allow_schema_mismatch = forms.BooleanField(
        required=False, label="File it anyway with these inputs as they are",
        help_text="Tick this if the odd input is part of what you saw.",
    )

    def __init__(self, *args, surfaces=(), models=(), **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for surface in surfaces:
            groups.setdefault(str(surface.model), []).append((str(surface.pk), surface.name))
        self.surfaces = {str(surface.pk): surface for surface in surfaces}
        self.fields["surface"].choices = [("", "Somewhere else, or I am not sure"), *groups.items()]
        self.fields["model"].choices = [("", "Choose…"), *((model.name, str(model)) for model in models)]

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
        surface = self.surfaces.get(cleaned.get("surface") or "")
        cleaned["surface_obj"] = surface
        if surface is not None and cleaned.get("model") and cleaned["model"] != surface.model.name:
            self.add_error("model", f"“{surface.name}” shows {surface.model}: choose that model or no place.")
        if cleaned.get("features") is not None and not cleaned.get("model") and surface is None:
            self.add_error("model", "Choose the model these inputs were given to (or the place you saw it).")
        return cleaned

    def report_arguments(self) -> dict:
        """What report_create takes, from the cleaned form."""
        data = self.cleaned_data
        surface = data["surface_obj"]
        context = {"surface": surface.key} if surface is not None else {}
        arguments = {"title": data["title"], "expected": data["expected"], "description": data["description"],
                     "seen_at": data["seen_at"], "allow_schema_mismatch": data["allow_schema_mismatch"],
                     "model_name": surface.model.name if surface is not None else (data["model"] or None)}
        pointer, kind = data["prediction_id"].strip(), data["pointer_kind"] or "prediction"
        if pointer and kind == "prediction":
            arguments["prediction_id"] = pointer
        elif pointer:
            context[POINTER_CONTEXT_KEYS[kind]] = pointer
        arguments["context"] = context
        for key in ("features", "output"):
            if data[key] is not None:
                arguments[key] = data[key]
        return arguments


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
