from django.urls import path

from . import views

_PM = "incidents/<int:pk>/postmortem/"
urlpatterns = [
    path(_PM, views.PostmortemApi.as_view(), name="api-postmortem"),
    path(_PM + "transition/", views.PostmortemTransitionApi.as_view(), name="api-postmortem-transition"),
    path(_PM + "impact/", views.PostmortemImpactApi.as_view(), name="api-postmortem-impact"),
    path(_PM + "why-nodes/", views.WhyNodeListApi.as_view(), name="api-why-node-list"),
    path(_PM + "why-nodes/<int:node_id>/", views.WhyNodeDetailApi.as_view(), name="api-why-node-detail"),
    path(_PM + "why-nodes/<int:node_id>/decision/", views.WhyNodeDecisionApi.as_view(),
         name="api-why-node-decision"),
    path(_PM + "timeline/", views.TimelineApi.as_view(), name="api-postmortem-timeline"),
    path(_PM + "timeline/<int:entry_id>/", views.TimelineEntryApi.as_view(), name="api-postmortem-timeline-entry"),
    path(_PM + "comments/", views.CommentListApi.as_view(), name="api-postmortem-comments"),
    path(_PM + "action-items/", views.PostmortemActionItemsApi.as_view(), name="api-postmortem-action-items"),
    path("incidents/<int:pk>/evidence/", views.EvidenceListApi.as_view(), name="api-incident-evidence"),
]
