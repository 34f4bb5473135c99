from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """`{{ hints|lookup:field.name }}`: a dict entry by a key held in a variable."""
    if not mapping:
        return None
    return mapping.get(key)
