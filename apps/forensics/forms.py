from django import forms

from apps.core.forms import Form


class DriftWindowForm(Form):
    model_version = forms.ChoiceField(label="Version")
    hours = forms.IntegerField(label="Window: the last … hours", min_value=1, max_value=24 * 92, initial=24)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_version"].choices = [(v.pk, v.version) for v in versions]
