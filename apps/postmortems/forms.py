"""The post-mortem page's forms. They only shape input: every rule (lengths that matter, who
may do what, which moves are allowed) is the services' business, and their errors come back
onto these forms."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils import timezone

from apps.actions.models import ActionKind, ActionScope, Priority
from apps.core.forms import Form

from .field_fingerprints import fingerprints
from .models import MAX_SHORT_TEXT, MAX_TEXT, FactorCertainty, Postmortem, RootCauseCategory, Section, WhyStatus

TEXTAREA = forms.Textarea(attrs={"rows": 5})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 3})


class _VersionedForm(Form):
    """A form over some of the post-mortem's own fields, carrying the version it was opened
    at: saving a stale copy is refused by the service and shown side by side, never lost."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # The fields' fingerprints as the page showed them (JSON): a stale save then merges.
    base = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)
    field_names: tuple[str, ...] = ()

    @classmethod
    def for_postmortem(cls, postmortem: Postmortem) -> _VersionedForm:
        initial = {name: getattr(postmortem, name) for name in cls.field_names}
        for name, value in initial.items():
            if hasattr(value, "tzinfo") and value is not None:
                initial[name] = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        return cls(initial={**initial, "version": postmortem.version, "base": cls.base_of(postmortem)})

    @classmethod
    def base_of(cls, postmortem: Postmortem) -> str:
        return json.dumps(fingerprints(postmortem, cls.field_names), sort_keys=True)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.field_names}

    def opened_with(self) -> dict[str, str] | None:
        """The fingerprints the page was opened with; None (a strict version check) if the
        field is missing or not what this form wrote."""
        try:
            base = json.loads(self.cleaned_data.get("base") or "null")
        except ValueError:
            return None
        if not isinstance(base, dict) or not all(isinstance(value, str) for value in base.values()):
            return None
        return base


def _text(label: str, *, help_text: str = "", widget=TEXTAREA, max_length: int = MAX_TEXT) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length, widget=widget, help_text=help_text)


def _local_datetime(value):
    """`datetime-local` inputs carry no offset: they mean the server's time zone, which the
    page names next to them."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        return _local_datetime(super().to_python(value))


class FactsForm(_VersionedForm):
    field_names = ("facts",)
    facts = _text("What is known for certain", help_text="Observations only, before any explanation: what was seen, "
                                                         "where, when, how often. Markdown.")


class RootCauseForm(_VersionedForm):
    field_names = ("root_cause_category", "root_cause_summary")
    root_cause_category = forms.ChoiceField(label="Root-cause category", required=False,
                                            choices=[("", "Not chosen yet")] + list(RootCauseCategory.choices),
                                            help_text="The category of bug, which is what the action points should "
                                                      "fix — not only this instance.")
    root_cause_summary = _text("Root cause in a few sentences", help_text="Markdown.")


class ImpactForm(_VersionedForm):
    field_names = ("affected_predictions", "affected_users", "affected_requests", "impact_started_at",
                   "impact_ended_at", "business_impact", "impact_query")
    affected_predictions = forms.IntegerField(label="Affected predictions", required=False, min_value=0)
    affected_users = forms.IntegerField(label="Affected users", required=False, min_value=0)
    affected_requests = forms.IntegerField(label="Affected requests", required=False, min_value=0)
    impact_started_at = LocalDateTimeField(label="Impact started", required=False)
    impact_ended_at = LocalDateTimeField(label="Impact ended", required=False)
    business_impact = _text("Business effect", help_text="In the words the stakeholders use. Markdown.")
    impact_query = _text("How the counts were measured", widget=SHORT_TEXTAREA, max_length=MAX_SHORT_TEXT,
                         help_text="The inference-log query or the reasoning, so others can check the numbers.")


class LessonsForm(_VersionedForm):
    field_names = ("went_well", "went_wrong", "got_lucky")
    went_well = _text("What went well")
    went_wrong = _text("What went wrong")
    got_lucky = _text("Where we got lucky")


class SummaryForm(_VersionedForm):
    field_names = ("summary",)
    summary = _text("Summary", help_text="What happened, why, and what changes — for someone who reads only this. "
                                         "Markdown.")


SECTION_FORMS: dict[str, type[_VersionedForm]] = {
    Section.FACTS: FactsForm,
    Section.ROOT_CAUSE: RootCauseForm,
    Section.IMPACT: ImpactForm,
    Section.LESSONS: LessonsForm,
    Section.SUMMARY: SummaryForm,
}


class TimelineEntryForm(Form):
    at = LocalDateTimeField(label="When")
    text = forms.CharField(label="What happened", max_length=MAX_SHORT_TEXT, widget=SHORT_TEXTAREA)


class WhyNodeForm(Form):
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    question = forms.CharField(label="Question", max_length=500)
    answer = forms.CharField(label="Proposed answer (a hypothesis)", max_length=MAX_SHORT_TEXT, widget=SHORT_TEXTAREA)
    how_to_check = forms.CharField(label="How to check it", required=False, max_length=MAX_SHORT_TEXT,
                                   widget=SHORT_TEXTAREA, help_text="Can this be true? How could we find out?")


class WhyDecisionForm(Form):
    status = forms.ChoiceField(label="Verdict", choices=WhyStatus.choices)
    note = forms.CharField(label="Why (what did the check show?)", required=False, max_length=MAX_SHORT_TEXT,
                           widget=forms.TextInput)


class WhyEvidenceForm(Form):
    evidence = forms.TypedMultipleChoiceField(label="Evidence from the incident", required=False, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    evidence_note = forms.CharField(label="Evidence in words", required=False, max_length=MAX_SHORT_TEXT,
                                    widget=SHORT_TEXTAREA)

    def __init__(self, *args, evidence_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = [(item.pk, item.title) for item in evidence_choices]


class ActionItemForm(Form):
    title = forms.CharField(label="What should be done", max_length=200)
    description = forms.CharField(label="Details", required=False, max_length=10_000, widget=SHORT_TEXTAREA)
    kind = forms.ChoiceField(label="Kind", choices=ActionKind.choices)
    scope = forms.ChoiceField(label="Scope", choices=ActionScope.choices, initial=ActionScope.CATEGORY,
                              help_text="Prefer fixing the class of bug: the next instance will look different.")
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices, initial=Priority.P2)


class ActionReviewForm(Form):
    decision = forms.ChoiceField(label="Decision", choices=[("accept", "Accept"), ("reject", "Reject")])
    reason = forms.CharField(label="Reason", required=False, max_length=MAX_SHORT_TEXT, widget=forms.TextInput)


class CommentForm(Form):
    section = forms.ChoiceField(label="Section", choices=Section.choices, widget=forms.HiddenInput)
    body = forms.CharField(label="Comment", max_length=MAX_SHORT_TEXT * 2, widget=SHORT_TEXTAREA)
    why_node = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    action_item = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class TransitionForm(Form):
    to = forms.ChoiceField(label="Move to", choices=Postmortem._meta.get_field("status").choices)
    note = forms.CharField(label="Note", required=False, max_length=MAX_SHORT_TEXT, widget=SHORT_TEXTAREA)


class ContributingFactorForm(Form):
    """One contributing factor: its category (the same ML taxonomy as the root cause), what it
    was, whether it is known or only potential, and whether it set the incident off."""

    category = forms.ChoiceField(choices=[("", "Choose a category…"), *RootCauseCategory.choices],
                                 label="Category")
    description = forms.CharField(max_length=MAX_SHORT_TEXT, label="What contributed",
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="e.g. “The unit change was not in the pipeline's release notes.”")
    # The intro above the form explains "potential" and "trigger": help under a select would
    # push it out of line with its neighbours.
    certainty = forms.ChoiceField(choices=FactorCertainty.choices, initial=FactorCertainty.KNOWN,
                                  label="Known or potential")
    is_trigger = forms.BooleanField(required=False, label="This was the trigger")
