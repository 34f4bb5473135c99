from django.contrib import admin

from .models import Prediction


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ("prediction_id", "model_version", "timestamp", "output")
    list_filter = ("model",)
    search_fields = ("prediction_id",)
    list_select_related = ("model_version__model",)
    raw_id_fields = ("model", "model_version")
    date_hierarchy = "timestamp"
