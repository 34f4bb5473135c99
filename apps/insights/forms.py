from django import forms


class InsightsFilterForm(forms.Form):
    """The insights' filters; they live in the URL, so a view of the figures can be shared."""

    team = forms.ChoiceField(required=False, label="Team")
    model = forms.ChoiceField(required=False, label="Model")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, models: list[tuple[str, str]], teams: list[tuple[str, str]]):
        super().__init__(data, label_suffix="")
        self.fields["team"].choices = [("", "Every team"), *teams]
        self.fields["model"].choices = [("", "Every model"), *models]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "Choose a day on or after the first day.")
            cleaned.pop("until", None)
        return cleaned
