from django.contrib import admin

from .models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("scope", "key", "user", "status_code", "created_at")
    search_fields = ("key",)
    readonly_fields = ("user", "scope", "key", "fingerprint", "status_code", "body", "created_at")
