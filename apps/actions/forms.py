"""Shapes of the ticket pages' forms. What may change, and how, is the services' business."""

from __future__ import annotations

from django import forms
from django.conf import settings

from apps.core.forms import Form

from .models import MAX_COMMENT, Priority, TicketStatus
from .selectors import DUE_OVERDUE, DUE_SOON, SORTS

_ANY = [("", "Any")]
# The owner filter's own values besides usernames ("me" is whoever looks: a shareable "my view").
OWNER_ME, OWNER_NOBODY = "me", "none"


class BoardFilterForm(Form):
    """The board's (and "my action items"') search box, filters and order, read from the query
    string so a view can be shared. A value that is not among the choices is ignored (the list
    shows everything for that field, and the field says why) rather than failing the page."""

    q = forms.CharField(required=False, max_length=200, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title words or AI-number"}))
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *TicketStatus.choices])
    priority = forms.ChoiceField(required=False, choices=[("", "Any priority"), *Priority.choices])
    owner = forms.ChoiceField(required=False)
    model = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    due = forms.ChoiceField(required=False, label="Due", choices=[
        ("", "Any time"), (DUE_OVERDUE, "Overdue only"),
        (DUE_SOON, f"Overdue or due within {settings.ACTION_ITEM_REMIND_DAYS_BEFORE} days")])
    due_from = forms.DateField(required=False, label="Due from", widget=forms.DateInput(attrs={"type": "date"}))
    due_until = forms.DateField(required=False, label="Due until", widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, label="Sort by", choices=[("", "Default"), *SORTS.items()])

    def __init__(self, *args, choices: dict[str, list], mine: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if mine:  # "my action items" are the owner's by definition
            del self.fields["owner"]
        else:
            self.fields["owner"].choices = [("", "Anyone"), (OWNER_ME, "Me"), (OWNER_NOBODY, "Nobody yet")] + [
                (name, name) for name in choices["owners"]]
        self.fields["team"].choices = [("", "Any team")] + choices["teams"]
        self.fields["model"].choices = [("", "Any model")] + [(name, name) for name in choices["models"]]

    def filters(self, *, user) -> dict:
        """Keyword arguments for the selectors, from the valid fields only."""
        if not self.is_bound:
            return {}
        self.is_valid()
        filters = {name: value for name, value in self.cleaned_data.items() if value}
        owner = filters.pop("owner", None)
        if owner == OWNER_ME:
            filters["owner_id"] = user.pk
        elif owner == OWNER_NOBODY:
            filters["unowned"] = True
        elif owner:
            filters["owner"] = owner
        return filters

    @property
    def more_open(self) -> bool:
        """Whether the less common filters are in use (their panel starts open)."""
        return self.is_bound and any(self.data.get(name) for name in ("team", "due_from", "due_until"))


class TicketTransitionForm(Form):
    to = forms.ChoiceField(choices=TicketStatus.choices)
    reason = forms.CharField(required=False, max_length=2_000, label="Why it won't be done")


class TicketEditForm(Form):
    """The ticket page's fields. The owner is picked from the people on offer (the owning team's
    members); a username that is not is refused by the service, with the reason."""

    owner = forms.CharField(required=False, max_length=150, widget=forms.Select)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Due date")
    priority = forms.ChoiceField(required=False, choices=Priority.choices)
    external_url = forms.CharField(required=False, max_length=500, label="External issue",
                                   help_text="The issue's address in Jira, GitHub, Linear…")
    fixed_in_version = forms.ChoiceField(required=False, label="Fixed in version",
                                         help_text="The version of the model that carries the fix.")

    def __init__(self, *args, versions: list[str] | None = None, owners: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].widget.choices = [("", "Nobody yet")] + [(name, name) for name in owners or []]
        if versions is None:
            del self.fields["fixed_in_version"]
        else:
            self.fields["fixed_in_version"].choices = [("", "Not yet")] + [(v, v) for v in versions]

    def clean_priority(self):
        if "priority" in self.data and not self.cleaned_data["priority"]:
            raise forms.ValidationError("Choose a priority.")
        return self.cleaned_data["priority"]

    def changes(self) -> dict:
        """Only the fields the request sent: "Assign to me" sends the owner alone."""
        data = {name: value for name, value in self.cleaned_data.items() if name in self.data}
        if "owner" in data:
            data["owner"] = data["owner"] or None
        if "fixed_in_version" in data:
            data["fixed_in_version"] = data["fixed_in_version"] or None
        return data


class TicketCommentForm(Form):
    body = forms.CharField(max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3}), label="Add a comment")
