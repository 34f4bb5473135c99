from __future__ import annotations

from django import forms

from apps.core.forms import Form


class PublishableKeyForm(Form):
    name = forms.CharField(max_length=100, help_text="Where the widget runs, e.g. 'shop product pages'.")
    model = forms.ChoiceField(label="Feedback on")
    allowed_origins = forms.CharField(
        label="Sites it may run on", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One origin a line, as the browser shows it: https://shop.example.com (no path).")

    def __init__(self, *args, models: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = models

    def cleaned_origins(self) -> list[str]:
        return [line for line in self.cleaned_data["allowed_origins"].splitlines() if line.strip()]
