from django.contrib import admin
from django.utils.html import format_html

from .models import Attachment, Report


class AttachmentInline(admin.TabularInline):
    """Read-only, and linked to the permission-checked download view: the storage URL is never served."""

    model = Attachment
    fields = ("download", "content_type", "size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def download(self, obj: Attachment) -> str:
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    inlines = [AttachmentInline]
    list_display = ("__str__", "model_version", "channel", "reporter", "incident", "created_at")
    list_filter = ("channel", "model", "severity")
    search_fields = ("title", "prediction_id", "description")
    list_select_related = ("model_version__model", "reporter", "incident")
    raw_id_fields = ("logged_prediction", "reporter")
    # Reports are the facts: they are read here, not rewritten. Moving one to another incident goes
    # through report_move (the incident page, the API), which keeps the grouping decision and audits it.
    readonly_fields = ("model", "model_version", "logged_prediction", "prediction_id", "features", "output", "channel",
                       "reporter", "incident", "created_at", "schema_problems", "fingerprint", "grouping_locked")

    def has_delete_permission(self, request, obj=None):
        return False
