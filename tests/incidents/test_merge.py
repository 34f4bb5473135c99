"""Merging and unmerging by hand, and why automatic grouping never undoes it."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied
from apps.incidents.models import IncidentStatus
from apps.incidents.services import incident_merge, incident_transition
from apps.reports.services import report_move
from tests.accounts.factories import access_world
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

SETOSA, VERSICOLOR, VIRGINICA = 0, 50, 100  # iris rows the model answers differently


@pytest.fixture
def version():
    return trained_version()


def test_merging_moves_every_report_and_marks_the_source_a_duplicate(user, version):
    target = file_report(reporter=user, version=version, index=SETOSA).incident
    source_reports = [file_report(reporter=user, version=version, index=VIRGINICA + i) for i in (0, 1)]
    source = source_reports[0].incident

    merged = incident_merge(source_id=source.pk, target_id=target.pk, actor=user)

    assert merged == target
    assert set(target.reports.all()) >= set(source_reports) and target.reports.count() == 3
    source.refresh_from_db()
    assert source.status == IncidentStatus.DUPLICATE and source.merged_into == target
    assert source.reports.count() == 0
    assert all(report.grouping_locked for report in target.reports.filter(pk__in=[r.pk for r in source_reports]))
    transition = AuditEvent.objects.filter(action="incident.transition", target_id=str(source.pk)).first()
    assert transition.new["status"] == "duplicate" and f"INC-{target.pk}" in transition.new["note"]
    merge = AuditEvent.objects.get(action="incident.merge", target_id=str(target.pk))
    assert merge.new == {"merged": source.pk, "reports": sorted(r.pk for r in source_reports)}


def test_a_later_report_like_the_merged_away_incident_goes_to_the_merge_target(user, version):
    target = file_report(reporter=user, version=version, index=SETOSA).incident
    source = file_report(reporter=user, version=version, index=VIRGINICA).incident
    incident_merge(source_id=source.pk, target_id=target.pk, actor=user)

    later = file_report(reporter=user, version=version, index=VIRGINICA + 1)

    assert later.incident == target


def test_merges_chain(user, version):
    first = file_report(reporter=user, version=version, index=SETOSA).incident
    second = file_report(reporter=user, version=version, index=VERSICOLOR).incident
    third = file_report(reporter=user, version=version, index=VIRGINICA).incident
    incident_merge(source_id=first.pk, target_id=second.pk, actor=user)
    incident_merge(source_id=second.pk, target_id=third.pk, actor=user)

    assert file_report(reporter=user, version=version, index=SETOSA + 1).incident == third
    assert third.reports.count() == 4


def test_when_the_merge_target_is_closed_a_matching_report_opens_a_new_incident(user, version):
    target = file_report(reporter=user, version=version, index=SETOSA).incident
    source = file_report(reporter=user, version=version, index=VIRGINICA).incident
    incident_merge(source_id=source.pk, target_id=target.pk, actor=user)
    incident_transition(incident_id=target.pk, to="resolved", actor=user)
    incident_transition(incident_id=target.pk, to="closed", actor=user)

    later = file_report(reporter=user, version=version, index=VIRGINICA + 1)

    assert later.incident not in (source, target) and later.incident.status == IncidentStatus.OPEN


def test_reopening_a_merged_incident_by_hand_undoes_the_merge_for_later_reports(user, version):
    target = file_report(reporter=user, version=version, index=SETOSA).incident
    source = file_report(reporter=user, version=version, index=VIRGINICA).incident
    incident_merge(source_id=source.pk, target_id=target.pk, actor=user)

    incident_transition(incident_id=source.pk, to="open", actor=user)

    assert file_report(reporter=user, version=version, index=VIRGINICA + 1).incident == source


@pytest.mark.parametrize("make_target, message", [
    (lambda source: source, "into itself"),
    (lambda source: "closed", "is closed"),
    (lambda source: "duplicate", "is a duplicate"),
    (lambda source: "other model", "only incidents of the same model"),
])
def test_nonsense_merges_are_refused(user, version, make_target, message):
    source = file_report(reporter=user, version=version, index=SETOSA).incident
    target = make_target(source)
    if target in ("closed", "duplicate"):
        other = file_report(reporter=user, version=version, index=VIRGINICA).incident
        if target == "closed":
            incident_transition(incident_id=other.pk, to="resolved", actor=user)
            incident_transition(incident_id=other.pk, to="closed", actor=user)
        else:
            incident_merge(source_id=other.pk, target_id=file_report(
                reporter=user, version=version, index=VERSICOLOR).incident_id, actor=user)
        target = other
    elif target == "other model":
        target = file_report(reporter=user, version=trained_version("tulips")).incident

    with pytest.raises(Conflict, match=message):
        incident_merge(source_id=source.pk, target_id=target.pk, actor=user)
    source.refresh_from_db()
    assert source.status == IncidentStatus.OPEN and source.reports.count() == 1


def test_merging_goes_through_the_state_machine(user, version):
    target = file_report(reporter=user, version=version, index=SETOSA).incident
    source = file_report(reporter=user, version=version, index=VIRGINICA).incident
    incident_transition(incident_id=source.pk, to="resolved", actor=user)

    with pytest.raises(IllegalTransition):
        incident_merge(source_id=source.pk, target_id=target.pk, actor=user)


def test_only_people_who_may_change_both_incidents_merge_them():
    world = access_world()
    target = world.incident  # the reporter's setosa report's
    source = file_report(reporter=world.reporter, version=world.version, index=VIRGINICA).incident

    with pytest.raises(PermissionDenied):
        incident_merge(source_id=source.pk, target_id=target.pk, actor=world.reporter)
    from apps.incidents.services import incident_update
    incident_update(incident_id=target.pk, actor=None, restricted=True)
    with pytest.raises(NotFound):
        incident_merge(source_id=source.pk, target_id=target.pk, actor=world.outsider)

    incident_merge(source_id=source.pk, target_id=target.pk, actor=world.member)


# --- moving one report (unmerge) --------------------------------------------------------------

def test_unmerging_a_report_opens_an_incident_of_its_own_and_it_is_never_pulled_back(user, version):
    stays, leaves = (file_report(reporter=user, version=version, index=SETOSA + i) for i in (0, 1))
    original = stays.incident

    moved = report_move(report_id=leaves.pk, to_incident_id=None, actor=user)

    assert moved.incident != original and moved.grouping_locked
    assert moved.incident.fingerprint == leaves.fingerprint and moved.incident.title == leaves.title
    later = file_report(reporter=user, version=version, index=SETOSA + 2)
    assert later.incident == original  # later reports keep grouping as before
    moved.refresh_from_db()
    assert moved.incident.reports.count() == 1
    event = AuditEvent.objects.get(action="report.move", target_id=str(leaves.pk))
    assert event.old == {"incident": original.pk} and event.new["incident"] == moved.incident_id


def test_a_report_moves_into_another_incident_of_its_model(user, version):
    setosa = [file_report(reporter=user, version=version, index=SETOSA + i) for i in (0, 1)]
    virginica = file_report(reporter=user, version=version, index=VIRGINICA).incident

    moved = report_move(report_id=setosa[1].pk, to_incident_id=virginica.pk, actor=user)

    assert moved.incident == virginica and moved.grouping_locked
    assert setosa[0].incident.reports.count() == 1


def test_nonsense_moves_are_refused(user, version):
    alone = file_report(reporter=user, version=version, index=VIRGINICA)
    pair = [file_report(reporter=user, version=version, index=SETOSA + i) for i in (0, 1)]
    elsewhere = file_report(reporter=user, version=trained_version("tulips")).incident

    with pytest.raises(Conflict, match="already the only report"):
        report_move(report_id=alone.pk, to_incident_id=None, actor=user)
    with pytest.raises(Conflict, match=f"merge INC-{alone.incident_id} into"):
        report_move(report_id=alone.pk, to_incident_id=pair[0].incident_id, actor=user)
    with pytest.raises(Conflict, match="already in"):
        report_move(report_id=pair[0].pk, to_incident_id=pair[0].incident_id, actor=user)
    with pytest.raises(Conflict, match="incident of its model"):
        report_move(report_id=pair[0].pk, to_incident_id=elsewhere.pk, actor=user)
    incident_transition(incident_id=alone.incident_id, to="resolved", actor=user)
    incident_transition(incident_id=alone.incident_id, to="closed", actor=user)
    with pytest.raises(Conflict, match="is closed"):
        report_move(report_id=pair[0].pk, to_incident_id=alone.incident_id, actor=user)


def test_only_the_team_moves_reports_and_others_do_not_learn_what_exists():
    world = access_world()
    second = file_report(reporter=world.reporter, version=world.version, index=SETOSA + 1)
    assert second.incident_id == world.incident.pk

    with pytest.raises(PermissionDenied):  # the reporter sees their report, not more
        report_move(report_id=second.pk, to_incident_id=None, actor=world.reporter)
    with pytest.raises(NotFound):
        report_move(report_id=second.pk, to_incident_id=None, actor=world.outsider)

    assert report_move(report_id=second.pk, to_incident_id=None, actor=world.member).grouping_locked
