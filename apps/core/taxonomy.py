"""The ML taxonomy of root causes (DESIGN.md §1), in the lowest layer: post-mortems record it
(root cause and contributing factors), and the incident layer names it when it explains why
two incidents are alike. `apps.postmortems.models.RootCauseCategory` is this class."""

from django.db import models


class RootCauseCategory(models.TextChoices):
    """The *category* of bug, which is what action points should fix."""

    TRAINING_SERVING_SKEW = "training_serving_skew", "Training–serving skew"
    FEATURE_PIPELINE = "feature_pipeline", "Feature pipeline / unit change"
    DATA_DRIFT = "data_drift", "Data drift"
    MODELLING_ASSUMPTION = "modelling_assumption", "Modelling assumption"
    BUSINESS_RULE = "business_rule", "Business rule / filter"
    UI_PRODUCT_SURFACE = "ui_product_surface", "UI / product surface"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    EXPECTED_BEHAVIOUR = "expected_behaviour", "Expected behaviour"
