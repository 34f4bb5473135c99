"""`{% postmortem_policy incident %}` on the incident page: when the team's policy owes a
post-mortem for it, the due date (and how late it is). The rule lives here, in the top layer
with the policies; the incident page only places the block."""

from django import template
from django.utils import timezone

from ..policies import policies_for, postmortem_owed

register = template.Library()


@register.inclusion_tag("insights/_postmortem_policy.html")
def postmortem_policy(incident) -> dict:
    owed = postmortem_owed(incident=incident)
    if owed is None:
        return {"owed": False}
    due, overdue = owed
    policy = policies_for([incident.model.team_id])[incident.model.team_id]
    return {"owed": True, "due": due, "overdue": overdue, "days_late": (timezone.localdate() - due).days,
            "working_days": policy.postmortem_due_working_days, "severity": incident.get_severity_display().lower()}
