from django.urls import path

from . import views

app_name = "postmortems"
_PM = "incidents/<int:pk>/postmortem/"
urlpatterns = [
    path(_PM, views.editor_view, name="editor"),
    path(_PM + "start/", views.start_view, name="start"),
    path(_PM + "sections/<slug:section>/", views.section_save_view, name="section-save"),
    path(_PM + "transition/", views.transition_view, name="transition"),
    path(_PM + "impact/measure/", views.impact_measure_view, name="impact-measure"),
    path(_PM + "timeline/", views.timeline_add_view, name="timeline-add"),
    path(_PM + "timeline/<int:entry_id>/delete/", views.timeline_delete_view, name="timeline-delete"),
    path(_PM + "factors/", views.factor_add_view, name="factor-add"),
    path(_PM + "factors/<int:factor_id>/", views.factor_update_view, name="factor-update"),
    path(_PM + "factors/<int:factor_id>/delete/", views.factor_delete_view, name="factor-delete"),
    path(_PM + "whys/", views.why_add_view, name="why-add"),
    path(_PM + "whys/draft/", views.why_draft_view, name="why-draft"),
    path(_PM + "whys/<int:node_id>/decide/", views.why_decide_view, name="why-decide"),
    path(_PM + "whys/<int:node_id>/evidence/", views.why_evidence_view, name="why-evidence"),
    path(_PM + "whys/<int:node_id>/delete/", views.why_delete_view, name="why-delete"),
    path(_PM + "actions/", views.action_propose_view, name="action-propose"),
    path(_PM + "actions/<int:item_id>/review/", views.action_review_view, name="action-review"),
    path(_PM + "comments/", views.comment_add_view, name="comment-add"),
    path(_PM + "revision/", views.revision_view, name="revision"),
    path(_PM + "presenter/", views.presenter_view, name="presenter"),
    path(_PM + "fragments/<slug:section>/", views.fragment_view, name="fragment"),
    path(_PM + "print/", views.print_view, name="print"),
    path(_PM + "export.md", views.export_markdown_view, name="export"),
    path("postmortems/meeting/", views.meeting_agenda_view, name="meeting-agenda"),
    path("postmortems/meeting/<int:pk>/", views.meeting_view, name="meeting"),
]
