from django.urls import path

from . import learning_views, views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list_view, name="list"),
    path("<int:pk>/", views.incident_detail_view, name="detail"),
    path("<int:pk>/transition/", views.incident_transition_view, name="transition"),
    path("<int:pk>/update/", views.incident_update_view, name="update"),
    path("<int:pk>/access/", views.incident_access_view, name="access"),
    path("<int:pk>/merge/", views.incident_merge_view, name="merge"),
    path("<int:pk>/evidence/", views.incident_evidence_add_view, name="evidence-add"),
    path("<int:pk>/replay/", views.incident_replay_view, name="replay"),
    path("<int:pk>/replays/", views.incident_replays_view, name="replays"),
    path("<int:pk>/tags/", learning_views.incident_tag_add_view, name="tag-add"),
    path("<int:pk>/tags/<int:tag_id>/remove/", learning_views.incident_tag_remove_view, name="tag-remove"),
    path("<int:pk>/similar/", learning_views.incident_similar_mark_view, name="similar-mark"),
    path("tags/", learning_views.tag_list_view, name="tags"),
    path("tags/merge/", learning_views.tag_merge_view, name="tag-merge"),
]
