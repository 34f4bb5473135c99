from django import forms


class IncidentMergeForm(forms.Form):
    """Shape only: which incidents may be merged is incident_merge's business."""

    into = forms.IntegerField(min_value=1, label="Merge this incident into")
    note = forms.CharField(required=False, max_length=10_000, label="Why (optional)")


class IncidentEvidenceForm(forms.Form):
    """Shape only: incident_evidence_add checks kinds, links and ownership."""

    kind = forms.CharField(max_length=16)
    ref_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    url = forms.CharField(required=False, max_length=2000)
    title = forms.CharField(required=False, max_length=200)
    note = forms.CharField(required=False, max_length=10_000)
