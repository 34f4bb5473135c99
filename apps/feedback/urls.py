from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("new/", views.widget_key_create_view, name="widget-key-create"),
    path("<int:pk>/revoke/", views.widget_key_revoke_view, name="widget-key-revoke"),
]
