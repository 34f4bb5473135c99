from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("__str__", "model_version", "channel", "reporter", "incident", "created_at")
    list_filter = ("channel", "model", "severity")
    search_fields = ("title", "prediction_id", "description")
    list_select_related = ("model_version__model", "reporter", "incident")
    raw_id_fields = ("logged_prediction", "incident", "reporter")
    # Reports are the facts: they are read here, not rewritten.
    readonly_fields = ("model", "model_version", "logged_prediction", "prediction_id", "features", "output", "channel",
                       "reporter", "created_at", "schema_problems")

    def has_delete_permission(self, request, obj=None):
        return False
