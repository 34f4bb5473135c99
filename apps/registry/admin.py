from django.contrib import admin

from .models import Model, ModelVersion
from .services import model_assign_team


class ModelVersionInline(admin.TabularInline):
    model = ModelVersion
    fields = ("version", "backend", "artifact_uri", "sha256", "reference_rows", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Model)
class ModelAdmin(admin.ModelAdmin):
    list_display = ("name", "display_name", "team", "created_at")
    list_filter = ("team",)
    search_fields = ("name", "display_name")
    inlines = [ModelVersionInline]

    def save_model(self, request, obj, form, change):
        team = obj.team
        if change and "team" in form.changed_data:
            obj.team = Model.objects.get(pk=obj.pk).team  # the service records the move
            super().save_model(request, obj, form, change)
            model_assign_team(model=obj, team=team, actor=request.user)
        else:
            super().save_model(request, obj, form, change)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "backend", "sha256", "reference_rows", "created_at")
    list_filter = ("backend", "model")
    # Artifacts are registered only with `manage.py register_model`, which pins their digest.
    readonly_fields = ("model", "version", "backend", "artifact_uri", "sha256", "library_versions",
                       "reference_rows", "registered_by", "created_at")
    exclude = ("reference_sample",)

    def has_add_permission(self, request):
        return False
