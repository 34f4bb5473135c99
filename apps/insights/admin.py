from django.contrib import admin

from .models import DigestSent, TeamPolicy


@admin.register(TeamPolicy)
class TeamPolicyAdmin(admin.ModelAdmin):
    list_display = ("team", "postmortem_due_working_days", "postmortem_min_severity", "review_wait_days",
                    "digest_enabled")


@admin.register(DigestSent)
class DigestSentAdmin(admin.ModelAdmin):
    list_display = ("team", "week", "claimed_at", "emails", "chat_posts", "error")
    readonly_fields = ("team", "week", "claimed_at", "emails", "chat_posts", "error")

    def has_add_permission(self, request):
        return False
