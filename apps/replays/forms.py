from __future__ import annotations

import json
from typing import Any

from django import forms

from apps.core.forms import Form

from .models import Predicate


def parse_expected_value(raw: str, predicate: str) -> Any:
    """What people type: JSON when it is JSON (`0.5`, `["a", "b"]`, `"x"`), otherwise the text
    itself; for 'is one of', comma-separated labels."""
    raw = raw.strip()
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    if predicate == Predicate.IN_SET and not isinstance(value, list):
        value = [part.strip() for part in raw.split(",") if part.strip()]
    return value


class ExpectedOutcomeForm(Form):
    predicate = forms.ChoiceField(label="The output", choices=Predicate.choices)
    value = forms.CharField(label="Value", max_length=2000,
                            help_text="A label, labels separated by commas (is one of), or a number (score).")
    field = forms.CharField(label="Field of the output", max_length=100, required=False,
                            help_text="For outputs like {\"label\": …, \"score\": …}: which key. Empty: the output.")
    note = forms.CharField(label="Why (agreed with whom)", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           max_length=5000)

    def cleaned_value(self) -> Any:
        return parse_expected_value(self.cleaned_data["value"], self.cleaned_data["predicate"])
