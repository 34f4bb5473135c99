from django.contrib import admin

from .models import Incident


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "model", "status", "severity", "owner", "created_at")
    list_filter = ("status", "severity", "model")
    search_fields = ("title",)
    # Status changes go through incident_transition and merges through incident_merge (audited,
    # state machine), which also keep when it was resolved and how often it came back; the
    # fingerprint is what grouping computed.
    readonly_fields = ("status", "merged_into", "fingerprint", "fingerprint_label", "resolved_at", "reopened_count",
                       "regression_count")
