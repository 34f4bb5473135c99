from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.model_list_view, name="list"),
    # A model's page and its "run the suite" button (`detail`, `suite-run`) compose many apps: they
    # live in apps.pages, which the root URLconf adds to this namespace.
    path("<str:name>/surfaces/", views.model_surfaces_view, name="surfaces"),
]
