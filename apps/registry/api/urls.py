from django.urls import path

from . import views

urlpatterns = [
    path("models/", views.ModelListApi.as_view(), name="api-model-list"),
    path("models/<str:name>/versions/", views.ModelVersionListApi.as_view(), name="api-model-version-list"),
    path("changes/", views.ChangeListCreateApi.as_view(), name="api-change-list"),
]
