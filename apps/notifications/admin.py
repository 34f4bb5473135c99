from django.contrib import admin

from .models import ModelWebhook


@admin.register(ModelWebhook)
class ModelWebhookAdmin(admin.ModelAdmin):
    list_display = ("model", "url", "on_open", "on_resolve", "on_reminder", "created_at")
