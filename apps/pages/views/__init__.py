"""Pages that compose many apps. Each lives here, in the top layer, so that the apps they draw
on (incidents, reports, predictions, feedback, replays) stay independent of one another. They
keep the URL names of the app they present (`home`, `registry:detail`, `registry:suite-run`,
`reports:detail`, `incidents:detail`): the root URLconf routes them under that app's namespace.
Each page is built by one selector (apps/pages/selectors/) returning its read model; the views
only call it and render."""

from .home import home
from .incidents import incident_detail_view, incident_transition_view, incident_update_view
from .models import model_detail_view, model_suite_run_view
from .reports import report_detail_view

__all__ = ["home", "incident_detail_view", "incident_transition_view", "incident_update_view",
           "model_detail_view", "model_suite_run_view", "report_detail_view"]
