"""Shapes of the ticket pages' forms. What may change, and how, is the services' business."""

from __future__ import annotations

from django import forms

from .models import MAX_COMMENT, Priority, TicketStatus
from .selectors import DUE_OVERDUE, DUE_SOON

_ANY = [("", "Any")]


class BoardFilterForm(forms.Form):
    """Read from the query string; a value that is not among the choices is ignored (the board
    shows everything for that field) rather than failing the page."""

    team = forms.ChoiceField(required=False)
    owner = forms.ChoiceField(required=False)
    model = forms.ChoiceField(required=False)
    due = forms.ChoiceField(required=False, label="Due", choices=[
        ("", "Any time"), (DUE_OVERDUE, "Overdue"), (DUE_SOON, "Overdue or due soon")])

    def __init__(self, *args, choices: dict[str, list], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _ANY + choices["teams"]
        self.fields["owner"].choices = _ANY + [(name, name) for name in choices["owners"]]
        self.fields["model"].choices = _ANY + [(name, name) for name in choices["models"]]

    def filters(self) -> dict[str, str]:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class TicketTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=TicketStatus.choices)
    reason = forms.CharField(required=False, max_length=2_000, label="Why it won't be done")


class TicketEditForm(forms.Form):
    owner = forms.CharField(required=False, max_length=150, help_text="A username; empty for nobody.")
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due date")
    priority = forms.ChoiceField(choices=Priority.choices)
    external_url = forms.CharField(required=False, max_length=500, label="External issue",
                                   help_text="The issue's address in Jira, GitHub, Linear…")
    fixed_in_version = forms.ChoiceField(required=False, label="Fixed in version",
                                         help_text="The version of the model that carries the fix.")

    def __init__(self, *args, versions: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if versions is None:
            del self.fields["fixed_in_version"]
        else:
            self.fields["fixed_in_version"].choices = [("", "Not yet")] + [(v, v) for v in versions]

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data["owner"] = data.get("owner") or None
        if "fixed_in_version" in data:
            data["fixed_in_version"] = data["fixed_in_version"] or None
        return data


class TicketCommentForm(forms.Form):
    body = forms.CharField(max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3}), label="Add a comment")
