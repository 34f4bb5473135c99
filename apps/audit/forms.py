from django import forms


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
        self.fields["action"].choices = [("", "Any action")] + [(name, name) for name in actions]
        self.fields["target_type"].choices = [("", "Any object")] + [(name, name) for name in target_types]
