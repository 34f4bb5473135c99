"""An incident's ML signature: the parts similar incidents are found by (apps/incidents/models.py,
`IncidentSignal`). Each kind has one writer — the incident itself (model, tags, words of its
title), forensics (suspicious features and their flags), post-mortems (root cause, contributing
factors, words of the summary) — which replaces its kind whenever its facts change. The writers
above this layer call these functions; nothing here reads them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from django.db import transaction

from .models import Incident, IncidentSignal, SignalKind

MAX_VALUE = 200
MAX_WORDS = 12
# Words that say nothing about *which* problem it is: English glue, and the vocabulary every
# report about a model shares.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can cannot could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me more most my
no nor not now of off on once only or other our out over own same she should so some such than that
the their them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yes get got seems seem see saw look
looks like really still even much many way thing things one two new old wrong weird odd strange
model models prediction predictions predicted score scores output result results value values
incident incidents report reports bug bugs issue issues problem problems wtf please user users
""".split())
_WORD = re.compile(r"[a-z][a-z0-9_]{2,}")


def text_words(*texts: str, limit: int = MAX_WORDS) -> list[str]:
    """The distinctive words of some text, most frequent first (crude, but the same on every
    database; the search helper's full-text index is for searching, this is for likeness)."""
    counts: Counter[str] = Counter()
    for text in texts:
        for word in _WORD.findall((text or "").lower()):
            if word not in STOP_WORDS:
                counts[word[:MAX_VALUE]] += 1
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]]


@transaction.atomic
def incident_signals_replace(*, incident_id: int, kind: str, values: Iterable[str]) -> None:
    """Makes `values` the incident's parts of `kind` (its writer's whole say on that kind)."""
    wanted = {str(value)[:MAX_VALUE] for value in values if str(value).strip()}
    current = set(IncidentSignal.objects.filter(incident_id=incident_id, kind=kind).values_list("value", flat=True))
    if current - wanted:
        IncidentSignal.objects.filter(incident_id=incident_id, kind=kind, value__in=current - wanted).delete()
    IncidentSignal.objects.bulk_create(
        [IncidentSignal(incident_id=incident_id, kind=kind, value=value) for value in sorted(wanted - current)],
        ignore_conflicts=True)


def incident_signals_add(*, incident_id: int, kind: str, values: Iterable[str]) -> None:
    """Adds parts without removing any: for facts that only accumulate (each report's flags)."""
    IncidentSignal.objects.bulk_create(
        [IncidentSignal(incident_id=incident_id, kind=kind, value=str(value)[:MAX_VALUE])
         for value in sorted(set(values)) if str(value).strip()],
        ignore_conflicts=True)


def incident_own_signals_write(*, incident: Incident) -> None:
    """The parts the incident knows itself: its model and the words of its title."""
    incident_signals_replace(incident_id=incident.pk, kind=SignalKind.MODEL, values=[str(incident.model_id)])
    incident_signals_replace(incident_id=incident.pk, kind=SignalKind.TITLE_WORD,
                             values=text_words(incident.title, incident.public_title))


def incident_signals_absorb(*, source_id: int, target_id: int) -> None:
    """A merge moved `source`'s reports into `target`: their flags and features come along."""
    kinds = [SignalKind.FEATURE, SignalKind.FLAG, SignalKind.FLAG_KIND]
    for kind in kinds:
        values = IncidentSignal.objects.filter(incident_id=source_id, kind=kind).values_list("value", flat=True)
        incident_signals_add(incident_id=target_id, kind=kind, values=list(values))
