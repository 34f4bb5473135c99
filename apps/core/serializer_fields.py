from rest_framework import serializers


class PersonField(serializers.SlugRelatedField):
    """A person by username, read-only; null when nobody (yet), or the system, did it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A username, or null.")
        super().__init__(slug_field="username", read_only=True, allow_null=True, **kwargs)


class TextField(serializers.CharField):
    """A CharField that takes only strings: DRF's own turns 42 or true into "42" / "True",
    accepting a body that does not match the schema it publishes."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
