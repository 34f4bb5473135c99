"""History reads as sentences ("sam confirmed why #3 in post-mortem #2"), not as event codes."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.audit.sentences import event_sentence


def _event(action: str, *, target_type: str, target_id: str = "4", old=None, new=None, actor="sam") -> AuditEvent:
    return AuditEvent(action=action, target_type=target_type, target_id=target_id, old=old or {}, new=new or {},
                      actor_label=actor)


@pytest.mark.parametrize(("event", "sentence"), [
    (_event("incident.transition", target_type="incidents.incident", old={"status": "open"},
            new={"status": "triaged"}), "sam moved INC-4 from open to triaged"),
    (_event("postmortem.why_decide", target_type="postmortems.postmortem", target_id="2",
            new={"why_node": 3, "status": "confirmed", "note": "seen in the log"}),
     "sam confirmed why #3 in post-mortem #2"),
    (_event("postmortem.why_add", target_type="postmortems.postmortem", target_id="2", new={"why_node": 7}),
     "sam asked why #7 in post-mortem #2"),
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
