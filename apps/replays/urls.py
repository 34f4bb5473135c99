from django.urls import path

from . import views

app_name = "replays"
urlpatterns = [
    path("<int:pk>/", views.replay_detail_view, name="detail"),
]
