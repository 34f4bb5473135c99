"""Submitting a Django admin change form as a browser would, for tests of admin pages."""

from __future__ import annotations

from django.forms import MultiWidget


def admin_form_data(response) -> dict:
    """The admin change form as the browser would submit it unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
        for sub in formset.forms:
            data.update({sub.add_prefix(key): sub[key].value() or "" for key in sub.fields})
    return data
