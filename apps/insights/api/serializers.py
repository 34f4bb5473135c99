from rest_framework import serializers

from ..read_models import range_problems


class InsightsQuerySerializer(serializers.Serializer):
    team = serializers.SlugField(required=False, max_length=50, help_text="A team's slug.")
    model = serializers.CharField(required=False, max_length=100, help_text="A model's name.")
    since = serializers.DateField(required=False, help_text="First day (default: the Monday 15 weeks before `until`).")
    until = serializers.DateField(required=False, help_text="Last day (default: today).")

    def validate(self, attrs):
        problems = range_problems(attrs.get("since"), attrs.get("until"))
        if problems:
            raise serializers.ValidationError({name: [problem] for name, problem in problems.items()})
        return attrs


class _Seconds(serializers.FloatField):
    """A duration as seconds (a number), null when there is nothing to measure."""

    def to_representation(self, value):
        return None if value is None else round(value.total_seconds(), 3)


class RateSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    out_of = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    url = serializers.CharField(help_text="The incidents behind the figure.")


class WeekSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The Monday the week starts.")
    opened = serializers.IntegerField()
    resolved = serializers.IntegerField()
    median_time_to_detect_seconds = _Seconds(source="median_time_to_detect", allow_null=True)
    median_time_to_resolve_seconds = _Seconds(source="median_time_to_resolve", allow_null=True)
    overdue_action_items = serializers.IntegerField()
    opened_url = serializers.CharField()
    resolved_url = serializers.CharField()


class SliceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    incidents = serializers.IntegerField()
    url = serializers.CharField()


class ActionItemFiguresSerializer(serializers.Serializer):
    done_on_time = serializers.IntegerField()
    done_late = serializers.IntegerField()
    overdue = serializers.IntegerField()
    on_track = serializers.IntegerField()
    on_time_share = serializers.FloatField(allow_null=True)
    url = serializers.CharField()


class OwedPostmortemSerializer(serializers.Serializer):
    incident = serializers.IntegerField(source="incident_id")
    title = serializers.CharField()
    model = serializers.CharField()
    severity = serializers.CharField()
    since = serializers.DateTimeField()
    due = serializers.DateField(allow_null=True)
    days = serializers.IntegerField()
    url = serializers.CharField()


class InsightsSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    opened = RateSerializer()
    resolved = RateSerializer()
    median_time_to_detect_seconds = _Seconds(source="median_time_to_detect", allow_null=True)
    time_to_detect_measured = serializers.IntegerField(source="detect_measured")
    median_time_to_resolve_seconds = _Seconds(source="median_time_to_resolve", allow_null=True)
    reopened = RateSerializer()
    regressions = RateSerializer()
    weeks = WeekSerializer(many=True)
    by_model = SliceSerializer(many=True)
    by_version = SliceSerializer(many=True)
    by_root_cause = SliceSerializer(many=True)
    by_contributing_factor = SliceSerializer(many=True, source="by_factor")
    action_items = ActionItemFiguresSerializer()
    postmortems_overdue = OwedPostmortemSerializer(many=True)
    postmortems_waiting_for_review = OwedPostmortemSerializer(many=True, source="postmortems_waiting")
    reports_received = serializers.IntegerField()
    reports_stored = serializers.IntegerField()
