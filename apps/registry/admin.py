from django.contrib import admin

from .models import Model, ModelVersion
from .services import model_assign_team, model_tolerance_set


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
    list_display = ("name", "display_name", "team", "abs_tolerance", "rel_tolerance", "created_at")
    fieldsets = [
        (None, {"fields": ("name", "display_name", "description", "team")}),
        ("Replay tolerance", {
            "fields": ("abs_tolerance", "rel_tolerance"),
            "description": "How close a replayed score must be to the logged one to count as the same output: "
                           "within the absolute OR the relative tolerance. Labels (text, integers, booleans) "
                           "always compare exactly.",
        }),
    ]
    list_filter = ("team",)
    search_fields = ("name", "display_name")
    inlines = [ModelVersionInline]

    def save_model(self, request, obj, form, change):
        team = obj.team
        tolerance = {field: getattr(obj, field) for field in ("abs_tolerance", "rel_tolerance")
                     if field in form.changed_data}
        if change:
            # The services record these changes (audit events); the form saves the rest.
            stored = Model.objects.get(pk=obj.pk)
            obj.team = stored.team
            obj.abs_tolerance, obj.rel_tolerance = stored.abs_tolerance, stored.rel_tolerance
        super().save_model(request, obj, form, change)
        if change and "team" in form.changed_data:
            model_assign_team(model=obj, team=team, actor=request.user)
        if change and tolerance:
            model_tolerance_set(model=obj, actor=request.user, **tolerance)


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
