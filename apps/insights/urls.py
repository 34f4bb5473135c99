from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.insights_view, name="page"),
    path("insights.csv", views.insights_csv_view, name="csv"),
]
