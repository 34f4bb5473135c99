"""The incidents' own routes. The root URLconf adds, in the same `incidents` namespace, the
incident page and its console (`detail`, `transition`, `update`: apps/pages) and its replay
panel (`replay`, `replays`: apps/replays), which compose apps above incidents."""

from django.urls import path

from . import learning_views, views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list_view, name="list"),
    path("<int:pk>/access/", views.incident_access_view, name="access"),
    path("<int:pk>/merge/", views.incident_merge_view, name="merge"),
    path("<int:pk>/evidence/", views.incident_evidence_add_view, name="evidence-add"),
    path("<int:pk>/tags/", learning_views.incident_tag_add_view, name="tag-add"),
    path("<int:pk>/tags/<int:tag_id>/remove/", learning_views.incident_tag_remove_view, name="tag-remove"),
    path("<int:pk>/similar/", learning_views.incident_similar_mark_view, name="similar-mark"),
    path("tags/", learning_views.tag_list_view, name="tags"),
    path("tags/merge/", learning_views.tag_merge_view, name="tag-merge"),
]
