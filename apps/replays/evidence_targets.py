"""The replays app's answer to the incidents' evidence question (apps/incidents/hooks.py): which
page a replay cited as evidence links to. Connected in ReplaysConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from apps.incidents.hooks import EvidenceTarget
from apps.incidents.models import EvidenceKind, Incident

from .models import Replay


def evidence_target_of_replay(sender, *, incident: Incident, kind: str, ref_id: int,
                              **kwargs) -> EvidenceTarget | None:
    """A replay on a version of the incident's model."""
    if kind != EvidenceKind.REPLAY:
        return None
    replay = (Replay.objects.filter(pk=ref_id, model_version__model_id=incident.model_id)
              .select_related("model_version").first())
    if replay is None:
        return None
    return EvidenceTarget(f"Replay #{replay.pk} on version {replay.model_version.version}",
                          reverse("replays:detail", args=[replay.pk]))
