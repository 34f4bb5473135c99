from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.model_list_view, name="list"),
    path("<str:name>/", views.model_detail_view, name="detail"),
    path("<str:name>/suite/", views.model_suite_run_view, name="suite-run"),
    path("<str:name>/surfaces/", views.model_surfaces_view, name="surfaces"),
]
