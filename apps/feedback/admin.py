from django.contrib import admin

from .models import Feedback


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("__str__", "model_version", "verdict", "report", "given_by", "created_at")
    list_filter = ("verdict", "model")
    readonly_fields = [field.name for field in Feedback._meta.fields]

    def has_add_permission(self, request):
        return False
