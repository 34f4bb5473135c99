from django.urls import path

from . import views

urlpatterns = [
    path("action-items/", views.ActionItemListApi.as_view(), name="api-action-item-list"),
    path("action-items/<int:item_id>/", views.ActionItemDetailApi.as_view(), name="api-action-item-detail"),
    path("action-items/<int:item_id>/transition/", views.ActionItemTransitionApi.as_view(),
         name="api-action-item-transition"),
    path("action-items/<int:item_id>/review/", views.ActionItemReviewApi.as_view(), name="api-action-item-review"),
    path("action-items/<int:item_id>/comments/", views.ActionItemCommentsApi.as_view(),
         name="api-action-item-comments"),
    path("action-items/<int:item_id>/export/", views.ActionItemExportApi.as_view(), name="api-action-item-export"),
]
