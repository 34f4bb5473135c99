from django import forms

from .labels import action_label, target_type_label


class AuditSearchForm(forms.Form):
    text = forms.CharField(required=False, max_length=200, label="Contains")
    action = forms.ChoiceField(required=False)
    target_type = forms.ChoiceField(required=False, label="Object type")
    actor = forms.CharField(required=False, max_length=150, label="Actor (username)")
    request_id = forms.CharField(required=False, max_length=128, label="Request id",
                                 help_text="The server's X-Request-ID, or the one the caller sent.",
                                 widget=forms.TextInput(attrs={"placeholder": "X-Request-ID"}))
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions: list[str], target_types: list[str], **kwargs):
        # No colon after a label: the filter bars elsewhere have none.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Options read as words, sorted as read; their values stay the stored codes (links keep working).
        self.fields["action"].choices = [("", "Any action")] + sorted(
            ((name, action_label(name)) for name in actions), key=lambda choice: choice[1])
        self.fields["target_type"].choices = [("", "Any object")] + sorted(
            ((name, target_type_label(name)) for name in target_types), key=lambda choice: choice[1])
