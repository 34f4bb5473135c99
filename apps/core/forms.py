"""The base of the pages' forms: a label is a name ("Due date"), with no trailing colon, as on
every filter bar and on the report form, so forms rendered whole (`as_div`, `as_field_group`)
read the same as the ones laid out by hand."""

from __future__ import annotations

from django import forms


class Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
