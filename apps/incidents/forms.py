from django import forms


class IncidentMergeForm(forms.Form):
    """Shape only: which incidents may be merged is incident_merge's business."""

    into = forms.IntegerField(min_value=1, label="Merge this incident into")
    note = forms.CharField(required=False, max_length=10_000, label="Why (optional)")
