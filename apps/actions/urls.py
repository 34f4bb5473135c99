from django.urls import path

from . import views

app_name = "actions"
urlpatterns = [
    path("", views.action_board_view, name="board"),
    path("mine/", views.my_action_items_view, name="mine"),
    path("<int:pk>/", views.action_item_detail_view, name="detail"),
    path("<int:pk>/transition/", views.action_item_transition_view, name="transition"),
    path("<int:pk>/edit/", views.action_item_update_view, name="update"),
    path("<int:pk>/comments/", views.action_item_comment_view, name="comment"),
    path("<int:pk>/export/", views.action_item_export_view, name="export"),
]
