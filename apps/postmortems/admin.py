from django.contrib import admin

from .models import Postmortem, ReviewComment, TimelineEntry, WhyNode


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class WhyNodeInline(ReadOnlyInline):
    model = WhyNode
    fields = ["id", "parent", "question", "answer", "status", "decision_note"]
    readonly_fields = fields


@admin.register(Postmortem)
class PostmortemAdmin(admin.ModelAdmin):
    """Read-only: changes go through the services (review rules, optimistic locking, audit)."""

    list_display = ["incident", "status", "author", "root_cause_category", "updated_at"]
    list_filter = ["status", "root_cause_category"]
    inlines = [WhyNodeInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


admin.site.register([TimelineEntry, ReviewComment], admin.ModelAdmin)
