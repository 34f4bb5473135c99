from django import forms

from .read_models import range_problems


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
        for name, problem in range_problems(cleaned.get("since"), cleaned.get("until")).items():
            self.add_error(name, problem)  # the field is then left out of the filters
        return cleaned
