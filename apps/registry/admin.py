from django import forms
from django.contrib import admin

from apps.accounts.access import require_review_on_model
from apps.core.errors import DomainError

from .models import Model, ModelVersion
from .services import model_redaction_set, model_retention_set, model_team_assign, model_tolerance_set


class ModelAdminForm(forms.ModelForm):
    # A comma-separated list reads better than a JSON array for people typing feature names.
    redacted_features = forms.CharField(
        required=False, label="Redacted features",
        widget=forms.TextInput(attrs={"size": 80, "placeholder": "email, postcode, customer_name"}),
        help_text=Model._meta.get_field("redacted_features").help_text + " Comma-separated.",
    )

    class Meta:
        model = Model
        fields = ["name", "display_name", "description", "team", "abs_tolerance", "rel_tolerance",
                  "redacted_features", "retention_days", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["redacted_features"] = ", ".join(self.instance.redacted_features or [])

    def clean_redacted_features(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data["redacted_features"].split(",") if name.strip()]
        for name in names:
            if len(name) > 200:
                raise forms.ValidationError("Feature names are at most 200 characters.")
        return list(dict.fromkeys(names))

    def clean(self):
        cleaned = super().clean()
        actor = getattr(self, "actor", None)
        changed = {"redacted_features", "retention_days"} & set(self.changed_data)
        if self.instance.pk and changed and actor is not None:
            try:
                require_review_on_model(actor=actor, model=Model.objects.get(pk=self.instance.pk),
                                        action="change what its inference log keeps")
            except DomainError as exc:
                raise forms.ValidationError(exc.detail) from exc
        return cleaned


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
        (None, {"fields": ("name", "display_name", "description", "team", "created_at")}),
        ("Inference log", {"fields": ("redacted_features", "retention_days")}),
        ("Replay tolerance", {
            "fields": ("abs_tolerance", "rel_tolerance"),
            "description": "How close a replayed score must be to the logged one to count as the same output: "
                           "within the absolute OR the relative tolerance. Labels (text, integers, booleans) "
                           "always compare exactly.",
        }),
    ]
    list_filter = ("team",)
    search_fields = ("name", "display_name")
    form = ModelAdminForm
    inlines = [ModelVersionInline]

    def save_model(self, request, obj, form, change):
        # Team, redaction and retention changes go through their services, which check who may
        # make them and record them in the audit trail; the plain save keeps the stored values.
        team, redacted, retention = obj.team, obj.redacted_features, obj.retention_days
        tolerance = {field: getattr(obj, field) for field in ("abs_tolerance", "rel_tolerance")
                     if field in form.changed_data}
        if change:
            stored = Model.objects.get(pk=obj.pk)
            obj.team, obj.redacted_features, obj.retention_days = (
                stored.team, stored.redacted_features, stored.retention_days)
            obj.abs_tolerance, obj.rel_tolerance = stored.abs_tolerance, stored.rel_tolerance
        else:
            obj.redacted_features, obj.retention_days = [], None
        super().save_model(request, obj, form, change)
        if change and "team" in form.changed_data:
            model_team_assign(model=obj, team=team, actor=request.user)
        if redacted != obj.redacted_features:
            model_redaction_set(model=obj, features=redacted, actor=request.user)
        if retention != obj.retention_days:
            model_retention_set(model=obj, days=retention, actor=request.user)
        if change and tolerance:
            model_tolerance_set(model=obj, actor=request.user, **tolerance)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # The form checks, before anything is saved, that this person may change the log policy.
        return type(form.__name__, (form,), {"actor": request.user})


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
