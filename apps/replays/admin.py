from django.contrib import admin

from .models import Replay, ReplayResult


class ReplayResultInline(admin.TabularInline):
    model = ReplayResult
    extra = 0
    can_delete = False
    readonly_fields = ("report", "output", "matches_original", "diff", "error")


@admin.register(Replay)
class ReplayAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "status", "total", "matched", "mismatched", "errors", "created_at")
    list_filter = ("status", "kind")
    readonly_fields = ("status", "started_at", "finished_at", "total", "matched", "mismatched", "errors",
                       "error_message", "warnings", "library_versions")
    inlines = [ReplayResultInline]


@admin.register(ReplayResult)
class ReplayResultAdmin(admin.ModelAdmin):
    list_display = ("replay", "report", "matches_original", "error")
    raw_id_fields = ("replay", "report")
