"""Contributing factors: several per post-mortem, besides the root cause (whose category stays
the primary one). Rows of their own, so adding one never conflicts with someone editing the
sections. Each change rewrites the incident's signature parts that post-mortems own (root
cause, factor categories, words of the summary), which similar-incident ranking reads."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput, NotFound
from apps.incidents.models import SignalKind
from apps.incidents.signature import incident_signals_replace, text_words

from ..models import MAX_SHORT_TEXT, ContributingFactor, FactorCertainty, Postmortem, RootCauseCategory
from ._common import _check_length, _is_person, _locked, _require_editable, _touch

MAX_FACTORS = 30


def postmortem_signature_write(*, postmortem: Postmortem) -> None:
    """The incident's signature parts that come from its post-mortem."""
    incident_id = postmortem.incident_id
    incident_signals_replace(incident_id=incident_id, kind=SignalKind.ROOT_CAUSE,
                             values=[postmortem.root_cause_category] if postmortem.root_cause_category else [])
    categories = ContributingFactor.objects.filter(postmortem=postmortem).values_list("category", flat=True)
    incident_signals_replace(incident_id=incident_id, kind=SignalKind.FACTOR, values=list(categories))
    incident_signals_replace(incident_id=incident_id, kind=SignalKind.SUMMARY_WORD,
                             values=text_words(postmortem.summary, postmortem.root_cause_summary))


def _check(*, category: str | None, description: str | None, certainty: str | None) -> None:
    if category is not None and category not in RootCauseCategory.values:
        raise InvalidInput(f"'{category}' is not a category. Use one of: {', '.join(RootCauseCategory.values)}.",
                           errors={"category": ["Unknown category."]})
    if description is not None and not description.strip():
        raise InvalidInput("Say what contributed, e.g. \"the unit change was not in the release notes\".",
                           errors={"description": ["Required."]})
    _check_length("description", description, MAX_SHORT_TEXT)
    if certainty is not None and certainty not in FactorCertainty.values:
        raise InvalidInput(f"'{certainty}' is not a certainty. Use one of: {', '.join(FactorCertainty.values)}.",
                           errors={"certainty": ["Unknown certainty."]})


def _clear_other_triggers(postmortem: Postmortem, keep_id: int | None) -> list[int]:
    # One trigger per post-mortem: naming a new one takes the mark from the old (the form offers
    # a checkbox per factor, not a choice among them).
    others = ContributingFactor.objects.filter(postmortem=postmortem, is_trigger=True).exclude(pk=keep_id)
    ids = list(others.values_list("pk", flat=True))
    others.update(is_trigger=False, updated_at=timezone.now())
    return ids


def _snapshot(factor: ContributingFactor) -> dict:
    return {"factor": factor.pk, "category": factor.category, "description": factor.description[:200],
            "certainty": factor.certainty, "is_trigger": factor.is_trigger}


@transaction.atomic
def contributing_factor_add(*, incident_id: int, actor, category: str, description: str,
                            certainty: str = FactorCertainty.KNOWN, is_trigger: bool = False) -> ContributingFactor:
    postmortem = _locked(incident_id=incident_id, actor=actor)
    _require_editable(postmortem)
    _check(category=category, description=description, certainty=certainty)
    if ContributingFactor.objects.filter(postmortem=postmortem).count() >= MAX_FACTORS:
        raise InvalidInput(f"A post-mortem holds at most {MAX_FACTORS} contributing factors: merge some.")
    if is_trigger:
        _clear_other_triggers(postmortem, None)
    position = (ContributingFactor.objects.filter(postmortem=postmortem).aggregate(last=Max("position"))["last"]
                or 0) + 1
    factor = ContributingFactor.objects.create(
        postmortem=postmortem, category=category, description=description.strip(), certainty=certainty,
        is_trigger=is_trigger, position=position, created_by=actor if _is_person(actor) else None)
    _touch(postmortem, actor=actor)
    postmortem_signature_write(postmortem=postmortem)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_FACTOR_ADD, target=postmortem, new=_snapshot(factor))
    return factor


def _factor(postmortem: Postmortem, factor_id: int) -> ContributingFactor:
    factor = ContributingFactor.objects.select_for_update().filter(pk=factor_id, postmortem=postmortem).first()
    if factor is None:
        raise NotFound(f"The post-mortem of INC-{postmortem.incident_id} has no contributing factor {factor_id}.")
    return factor


@transaction.atomic
def contributing_factor_update(*, incident_id: int, factor_id: int, actor, category: str | None = None,
                               description: str | None = None, certainty: str | None = None,
                               is_trigger: bool | None = None) -> ContributingFactor:
    """Changes the given fields (None: leave as is)."""
    postmortem = _locked(incident_id=incident_id, actor=actor)
    _require_editable(postmortem)
    factor = _factor(postmortem, factor_id)
    _check(category=category, description=description, certainty=certainty)
    old = _snapshot(factor)
    if is_trigger:
        _clear_other_triggers(postmortem, factor.pk)
    for name, value in (("category", category), ("description", description.strip() if description else None),
                        ("certainty", certainty), ("is_trigger", is_trigger)):
        if value is not None:
            setattr(factor, name, value)
    new = _snapshot(factor)
    if new == old:
        return factor
    factor.updated_at = timezone.now()
    factor.save()
    _touch(postmortem, actor=actor)
    postmortem_signature_write(postmortem=postmortem)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_FACTOR_UPDATE, target=postmortem,
                 old={key: value for key, value in old.items() if new[key] != value or key == "factor"},
                 new={key: value for key, value in new.items() if old[key] != value or key == "factor"})
    return factor


@transaction.atomic
def contributing_factor_delete(*, incident_id: int, factor_id: int, actor) -> None:
    postmortem = _locked(incident_id=incident_id, actor=actor)
    _require_editable(postmortem)
    factor = _factor(postmortem, factor_id)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_FACTOR_DELETE, target=postmortem, old=_snapshot(factor))
    factor.delete()
    _touch(postmortem, actor=actor)
    postmortem_signature_write(postmortem=postmortem)
