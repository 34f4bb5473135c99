"""History reads as sentences ("sam confirmed why #3 in the post-mortem of INC-6"), not as event codes;
the audit trail's filters offer actions and object types in words."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import apps
from apps.audit.actions import AuditAction
from apps.audit.labels import action_label, target_type_label
from apps.audit.models import AuditEvent
from apps.audit.sentences import action_has_sentence, event_sentence
from apps.audit.services import audit_record
from tests.accounts.factories import TeamFactory


def _event(action: str, *, target_type: str, target_id: str = "4", old=None, new=None, actor="sam",
           target_label: str = "") -> AuditEvent:
    return AuditEvent(action=action, target_type=target_type, target_id=target_id, old=old or {}, new=new or {},
                      actor_label=actor, target_label=target_label)


POSTMORTEM = {"target_type": "postmortems.postmortem", "target_id": "2", "target_label": "Post-mortem of INC-6"}


@pytest.mark.parametrize(("event", "sentence"), [
    (_event("incident.transition", target_type="incidents.incident", old={"status": "open"},
            new={"status": "triaged"}), "sam moved INC-4 from open to triaged"),
    (_event("postmortem.why_decide", **POSTMORTEM, new={"why_node": 3, "status": "confirmed", "note": "in the log"}),
     "sam confirmed why #3 in the post-mortem of INC-6"),
    (_event("postmortem.why_add", **POSTMORTEM, new={"why_node": 7}), "sam asked why #7 in the post-mortem of INC-6"),
    (_event("postmortem.transition", **POSTMORTEM, old={"status": "draft"}, new={"status": "in_review"}),
     "sam moved the post-mortem of INC-6 from draft to in review"),
    # A label not in the usual shape (none should exist) still names the post-mortem, by its number.
    (_event("postmortem.start", target_type="postmortems.postmortem", target_id="2"), "sam started post-mortem #2"),
    (_event("action_item.review", target_type="actions.actionitem", target_id="9",
            new={"review_state": "accepted"}), "sam accepted AI-9"),
    (_event("action_item.transition", target_type="actions.actionitem", target_id="9",
            old={"status": "in_progress"}, new={"status": "wont_do"}),
     "sam moved AI-9 from in progress to won't do"),
    (_event("report.create", target_type="reports.report", target_id="40", actor=""), "The tracker filed WTF-40"),
    (_event("incident.update", target_type="incidents.incident", old={"severity": "low"},
            new={"severity": "high", "owner": 3}), "sam changed owner, severity of INC-4"),
])
def test_audit_events_read_as_sentences(event, sentence):
    assert event_sentence(event) == sentence


def test_an_action_without_a_sentence_still_reads_as_words_not_a_code():
    sentence = event_sentence(_event("incident.snooze_all", target_type="incidents.incident"))
    assert sentence == "sam snooze all INC-4" and "." not in sentence


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_audit_action_reads_as_a_sentence_of_its_own(action):
    assert action_has_sentence(action)


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_audit_action_has_a_label_for_the_filter(action):
    label = action_label(action)
    assert label != action and "_" not in label and "." not in label


def test_filter_labels_read_as_words():
    assert action_label("incident.transition") == "Incident: status moved"
    assert action_label("incident.snooze_all") == "Incident: snooze all"  # not labelled yet: still words
    assert target_type_label("reports.report") == "Report"
    assert target_type_label("postmortems.postmortem") == "Post-mortem"
    assert target_type_label("insights.teampolicy") == "Teampolicy"


@pytest.mark.parametrize(("event", "sentence"), [
    (_event("incident.tag_add", target_type="incidents.incident", new={"tag": "unit change"}),
     "sam tagged INC-4 “unit change”"),
    (_event("incident.similarity_mark", target_type="incidents.incident", new={"other": 7, "verdict": "not_similar"}),
     "sam marked INC-7 not similar to INC-4"),
    (_event("postmortem.why_draft", **POSTMORTEM, new={"why_nodes": [5, 6]}),
     "sam drafted 2 whys in the post-mortem of INC-6"),
    (_event("change.record", target_type="registry.changeevent", new={"kind": "deploy", "model": "wine"}),
     "sam recorded a deploy change to the model wine"),
])
def test_the_newer_actions_read_as_sentences(event, sentence):
    assert event_sentence(event) == sentence


def _literal_actions_passed_to_audit_record() -> list[tuple[str, str]]:
    found = []
    for path in sorted(Path(apps.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            name = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if name == "audit_record":
                for keyword in node.keywords:
                    if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                        found.append((str(path), keyword.value.value))
    return found


def test_an_action_written_as_a_string_is_still_a_declared_one():
    # Constants are the rule; a string left over (or added by a branch) must at least be declared.
    unknown = [(path, action) for path, action in _literal_actions_passed_to_audit_record()
               if action not in set(AuditAction)]
    assert unknown == []


@pytest.mark.django_db
def test_recording_an_undeclared_action_fails_instead_of_storing_it():
    team = TeamFactory()

    with pytest.raises(ValueError, match="Unknown audit action 'team.creat'"):
        audit_record(actor=None, action="team.creat", target=team)

    assert not AuditEvent.objects.filter(action="team.creat").exists()
    stored = audit_record(actor=None, action=AuditAction.TEAM_CREATE, target=team)
    assert AuditEvent.objects.get(pk=stored.pk).action == "team.create"  # the stored string, as ever
