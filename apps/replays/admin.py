from django.contrib import admin

from .models import ExpectedOutcome, Replay, ReplayChunk, ReplayResult


class ReplayChunkInline(admin.TabularInline):
    model = ReplayChunk
    extra = 0
    can_delete = False
    fields = readonly_fields = ("index", "first_report_id", "last_report_id", "size", "status", "attempts",
                                "started_at", "finished_at", "error_message")
    max_num = 0


@admin.register(Replay)
class ReplayAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "suite", "status", "total", "matched", "mismatched", "errors", "regressed",
                    "created_at")
    list_filter = ("status", "kind", "suite")
    readonly_fields = ("status", "started_at", "finished_at", "total", "matched", "mismatched", "errors",
                       "error_message", "warnings", "library_versions", "suite", "chunks_total", "chunks_done",
                       "processed", "nondeterministic", "passed", "regressed", "still_failing")
    # Results are listed under Replay results (a run can have 100,000): an inline would render them all.
    inlines = [ReplayChunkInline]


@admin.register(ReplayResult)
class ReplayResultAdmin(admin.ModelAdmin):
    list_display = ("replay", "report", "matches_original", "nondeterministic", "verdict", "error")
    list_filter = ("verdict", "nondeterministic", "matches_original")
    raw_id_fields = ("replay", "report")


@admin.register(ExpectedOutcome)
class ExpectedOutcomeAdmin(admin.ModelAdmin):
    """Read-only here: expected outcomes are set by the team on the report page or the API,
    which record who agreed on them."""

    list_display = ("report", "__str__", "set_by", "updated_at")
    raw_id_fields = ("report",)
    readonly_fields = ("report", "predicate", "value", "field", "note", "set_by", "updated_at")

    def has_add_permission(self, request):
        return False
