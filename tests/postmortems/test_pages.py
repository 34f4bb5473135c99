"""The post-mortem pages: who sees and does what, the guided editor's forms (a stale one keeps
both texts), escaping of people's text, the meeting screen's JSON and fragments, and the
Markdown export of a published post-mortem."""

from __future__ import annotations

import re
from html import unescape

import pytest

from apps.actions.models import ActionItem
from apps.actions.services import action_item_review
from apps.incidents.services import incident_transition, incident_update
from apps.postmortems.models import Postmortem, WhyNode
from apps.postmortems.services import action_item_propose, postmortem_transition, postmortem_update
from tests.accounts.factories import TeamFactory, member_of
from tests.postmortems.factories import confirmed_chain, decide, team_postmortem, why

pytestmark = pytest.mark.django_db

XSS = '<script>alert("pm")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world():
    return team_postmortem()


def _url(world, tail: str = "") -> str:
    return f"/incidents/{world.incident.pk}/postmortem/{tail}"


def _as(client, user):
    client.force_login(user)
    return client


def _approvable(world):
    """Ready for a reviewer: a confirmed chain, a category, in review."""
    pm = world.postmortem
    confirmed_chain(pm, actor=world.member, depth=5)
    postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=None,
                      root_cause_category="ui_product_surface")
    return postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="in_review")


def _published(world):
    _approvable(world)
    pm = world.postmortem
    postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="approved")
    return postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="published")


# --- The incident page's panel ----------------------------------------------------------------

def test_the_team_starts_the_post_mortem_from_the_incident_page(client):
    from tests.accounts.factories import access_world

    world = access_world()
    page = _as(client, world.member).get(f"/incidents/{world.incident.pk}/").content.decode()
    assert 'id="postmortem-start"' in page and 'id="evidence"' in page

    response = client.post(f"/incidents/{world.incident.pk}/postmortem/start/")

    assert response.status_code == 302 and response["Location"] == f"/incidents/{world.incident.pk}/postmortem/"
    assert Postmortem.objects.get(incident=world.incident).author == world.member
    page = client.get(f"/incidents/{world.incident.pk}/").content.decode()
    assert 'id="postmortem-link"' in page and "postmortem-start" not in page


def test_a_reporter_sees_no_start_button_and_may_not_start_one(client):
    from tests.accounts.factories import access_world

    world = access_world()
    page = _as(client, world.reporter).get(f"/incidents/{world.incident.pk}/").content.decode()
    assert "postmortem-start" not in page and "No post-mortem yet" in page
    assert client.post(f"/incidents/{world.incident.pk}/postmortem/start/").status_code == 403
    assert not Postmortem.objects.exists()


def test_evidence_is_attached_from_the_incident_page_and_a_bad_link_is_a_message(client, world):
    _as(client, world.member)
    response = client.post(f"/incidents/{world.incident.pk}/evidence/",
                           {"kind": "link", "url": "https://grafana.example.com/d/1", "title": "Dashboard"},
                           follow=True)
    assert "Evidence attached: Dashboard" in response.content.decode()
    assert 'href="https://grafana.example.com/d/1"' in response.content.decode()

    response = client.post(f"/incidents/{world.incident.pk}/evidence/", {"kind": "link", "url": "javascript:x"},
                           follow=True)
    assert response.status_code == 200 and "A link must be an http(s) address" in response.content.decode()


# --- Who sees and does what ----------------------------------------------------------------------

def test_others_read_the_post_mortem_without_controls(client, world):
    node = why(world.postmortem, actor=world.member, answer="A guess")
    page = _as(client, member_of(TeamFactory())).get(_url(world, "?section=whys")).content.decode()

    assert f'id="why-{node.pk}"' in page and "A guess" in page
    assert "why-decide" not in page and "/whys/" not in page.split('id="why-tree"')[1].split("</div>")[0]
    assert "You can read this post-mortem" in page


def test_a_restricted_incident_s_post_mortem_is_not_found_for_others(client, world):
    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)
    assert _as(client, member_of(TeamFactory())).get(_url(world)).status_code == 404
    assert client.post(_url(world, "whys/"), {"question": "Why?", "answer": "x"}).status_code == 404
    assert _as(client, world.member).get(_url(world)).status_code == 200


def test_an_outsider_may_not_write(client, world):
    _as(client, member_of(TeamFactory()))
    assert client.post(_url(world, "sections/summary/"), {"version": 1, "summary": "mine"}).status_code == 403
    assert client.post(_url(world, "whys/"), {"question": "Why?", "answer": "x"}).status_code == 403
    assert not WhyNode.objects.exists()


def test_no_post_mortem_yet_is_a_404_that_says_how_to_start_one(client):
    from tests.accounts.factories import access_world

    world = access_world()
    response = _as(client, world.member).get(f"/incidents/{world.incident.pk}/postmortem/")
    assert response.status_code == 404 and "has no post-mortem yet" in response.content.decode()


# --- The guided editor ----------------------------------------------------------------------------

def test_the_editor_walks_the_sections_in_order_with_a_table_of_contents(client, world):
    page = _as(client, world.member).get(_url(world, "?section=timeline")).content.decode()

    assert "Step 2 of 8 · Next: <a" in page and ">Five whys</a>" in page
    toc = page.split('aria-label="Post-mortem sections"')[1].split("</nav>")[0]
    assert re.findall(r"section=(\w+)", toc) == ["facts", "timeline", "whys", "root_cause", "impact", "lessons",
                                                  "actions", "summary"]
    assert 'href="?section=timeline" aria-current="step"' in toc


def test_saving_a_section_moves_on_when_asked(client, world):
    _as(client, world.member)
    response = client.post(_url(world, "sections/root_cause/"),
                           {"version": 1, "root_cause_category": "modelling_assumption",
                            "root_cause_summary": "One account, several people.", "continue": "1"})

    assert response.status_code == 302 and response["Location"].endswith("?section=impact")
    pm = Postmortem.objects.get()
    assert (pm.root_cause_category, pm.root_cause_summary, pm.version) == (
        "modelling_assumption", "One account, several people.", 2)


def test_a_stale_form_shows_who_changed_it_and_keeps_both_texts(client, world):
    """Two people opened Lessons at version 1; the second save must not overwrite the first."""
    sam = member_of(world.team, username="sam")
    _as(client, sam).post(_url(world, "sections/lessons/"),
                          {"version": 1, "went_well": "Sam's text: the log had the request id."})

    response = _as(client, world.member).post(_url(world, "sections/lessons/"),
                                              {"version": 1, "went_well": "Member's text: the screenshot helped."})

    page = response.content.decode()
    assert response.status_code == 409
    assert "Changed by sam since you opened it" in page
    assert "Sam&#x27;s text: the log had the request id." in page  # theirs, shown
    assert page.count("Member&#x27;s text: the screenshot helped.") >= 2  # yours: next to theirs and in the form
    assert 'name="version" value="2"' in page  # saving again starts from the current version
    assert Postmortem.objects.get().went_well == "Sam's text: the log had the request id."

    client.post(_url(world, "sections/lessons/"), {"version": 2, "went_well": "Both: request id and screenshot."})
    assert Postmortem.objects.get().went_well == "Both: request id and screenshot."


def _opened(client, world, user, section: str) -> dict[str, str]:
    """The hidden fields of a section's form, as `user`'s editor page renders them now."""
    page = _as(client, user).get(_url(world, f"?section={section}")).content.decode()
    form = page.split(f'id="form-{section}"')[1].split("</form>")[0]
    return {name: unescape(value) for name, value in re.findall(r'type="hidden" name="(version|base)" value="([^"]*)"',
                                                               form)}


def test_saving_a_section_someone_else_did_not_touch_merges_instead_of_conflicting(client, world):
    """In a meeting, sam fixes the summary while the member writes the lessons, both from version 1."""
    sam = member_of(world.team, username="sam")
    lessons = _opened(client, world, world.member, "lessons")
    summary = _opened(client, world, sam, "summary")
    assert lessons["version"] == summary["version"] == "1"

    _as(client, sam).post(_url(world, "sections/summary/"), {**summary, "summary": "A bag on the men's homepage."})
    response = _as(client, world.member).post(_url(world, "sections/lessons/"),
                                              {**lessons, "went_well": "The log had the request id."}, follow=True)

    assert response.status_code == 200
    assert "Others had saved other parts since you opened it; their changes are kept." in response.content.decode()
    pm = Postmortem.objects.get()
    assert (pm.summary, pm.went_well, pm.version) == ("A bag on the men's homepage.", "The log had the request id.", 3)


def test_fields_left_alone_in_a_stale_form_do_not_undo_someone_else_s_edit(client, world):
    postmortem_update(incident_id=world.incident.pk, actor=world.member, expected_version=1,
                      went_well="Old well", went_wrong="Old wrong")
    sam = member_of(world.team, username="sam")
    mine, theirs = _opened(client, world, world.member, "lessons"), _opened(client, world, sam, "lessons")

    _as(client, sam).post(_url(world, "sections/lessons/"), {**theirs, "went_well": "Sam's well",
                                                             "went_wrong": "Old wrong"})
    # The member's form still shows the old "went well"; they only change "went wrong".
    response = _as(client, world.member).post(_url(world, "sections/lessons/"), {**mine, "went_well": "Old well",
                                                                                 "went_wrong": "Member's wrong"})

    assert response.status_code == 302
    pm = Postmortem.objects.get()
    assert (pm.went_well, pm.went_wrong) == ("Sam's well", "Member's wrong")


def test_the_same_field_changed_by_two_people_is_a_conflict_that_names_it(client, world):
    sam = member_of(world.team, username="sam")
    mine, theirs = _opened(client, world, world.member, "lessons"), _opened(client, world, sam, "lessons")
    _as(client, sam).post(_url(world, "sections/lessons/"), {**theirs, "went_well": "Sam's text", "got_lucky": "x"})

    response = _as(client, world.member).post(_url(world, "sections/lessons/"),
                                              {**mine, "went_well": "Member's text", "got_lucky": "x"})

    page = response.content.decode()
    assert response.status_code == 409
    assert "in the same field you edited (went_well)" in page
    assert page.count('class="conflict-field"') == 1  # got_lucky is the same on both sides: not a difference
    again = {name: unescape(value) for name, value in
             re.findall(r'type="hidden" name="(version|base)" value="([^"]*)"', page.split('id="form-lessons"')[1])}
    response = client.post(_url(world, "sections/lessons/"), {**again, "went_well": "Both texts", "got_lucky": "x"})
    assert response.status_code == 302 and Postmortem.objects.get().went_well == "Both texts"


def test_a_service_refusal_is_a_form_error_with_the_text_kept(client, world):
    node = why(world.postmortem, actor=world.member, answer="A guess")
    _as(client, world.member)

    response = client.post(_url(world, f"whys/{node.pk}/decide/"), {"status": "confirmed", "note": ""})
    assert response.status_code == 400
    assert f"Say in a sentence why hypothesis #{node.pk} is confirmed" in response.content.decode()

    response = client.post(_url(world, "whys/"), {"parent": node.pk, "question": "Why again?",
                                                  "answer": "My unsaved follow-up"})
    page = response.content.decode()
    assert response.status_code == 409 and "ask \\u0022why?\\u0022" not in page
    assert "ask &quot;why?&quot; again only of a confirmed answer" in page and "My unsaved follow-up" in page

    response = client.post(_url(world, "sections/impact/"), {"version": 1, "impact_started_at": "2026-01-02T10:00",
                                                             "impact_ended_at": "2026-01-01T10:00"})
    assert response.status_code == 400 and "The impact ends before it starts." in response.content.decode()


def test_the_why_tree_shows_verdicts_the_chain_and_hints_next_to_the_node(client, world):
    pm = world.postmortem
    refuted = decide(why(pm, actor=world.member, answer="The recommender ranked it"), actor=world.member,
                     status="refuted", note="It is the 'last seen' box.")
    confirmed = why_node = why(pm, actor=world.member, answer="The account viewed the bag")
    confirmed = decide(why_node, actor=world.member, status="confirmed", note="The log shows it.")
    confirmed.evidence_note = ""  # decided with no evidence at all: the page asks for it

    page = _as(client, world.member).get(_url(world, "?section=whys")).content.decode()
    refuted_html = page.split(f'id="why-{refuted.pk}"')[1].split("</li>")[0]
    confirmed_html = page.split(f'id="why-{confirmed.pk}"')[1].split('id="why-add"')[0]

    assert "why-refuted" in page.split(f'id="why-{refuted.pk}"')[0][-200:] and "✗ refuted" in refuted_html
    assert "root-cause chain" in confirmed_html and "✓ confirmed" in confirmed_html
    assert f"Hypothesis #{confirmed.pk} is confirmed without evidence" in confirmed_html
    assert f"Ask “why?” of #{confirmed.pk}" in confirmed_html
    assert 'id="root-cause-chain"' in page


def test_people_s_text_is_escaped_everywhere_it_is_shown(client, world):
    pm = world.postmortem
    why(pm, actor=world.member, answer=XSS, question=f"Why {XSS}?")
    action_item_propose(incident_id=pm.incident_id, actor=world.member, title=XSS, kind="detective")
    _as(client, world.member).post(_url(world, "comments/"), {"section": "whys", "body": XSS})

    for path in ("?section=whys", "?section=actions", "print/", "fragments/whys/", "fragments/actions/"):
        page = client.get(_url(world, path)).content.decode()
        assert "<script>alert" not in page and "onerror=alert" not in page.replace("onerror=alert(1)&gt;", ""), path
    page = client.get(f"/postmortems/meeting/{pm.incident_id}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_the_history_tells_the_audit_events_as_sentences(client, world):
    node = why(world.postmortem, actor=world.member, answer="A guess")
    page = _as(client, world.member).get(_url(world)).content.decode()
    history = page.split('id="history"')[1].split("</ol>")[0]
    member = world.member.get_username()
    assert f"{member} asked why #{node.pk} in the post-mortem of INC-{world.incident.pk}" in history
    assert f"started the post-mortem of INC-{world.incident.pk}" in history
    assert "postmortem.why_add" not in history and "postmortem.start" not in history


def test_timeline_entries_are_added_in_local_time_and_removed(client, world):
    _as(client, world.member)
    client.post(_url(world, "timeline/"), {"at": "2026-01-05T09:30", "text": "The box was released."})
    page = client.get(_url(world, "?section=timeline")).content.decode()
    assert "2026-01-05 09:30" in page and "The box was released." in page

    entry = world.postmortem.timeline_entries.get()
    client.post(_url(world, f"timeline/{entry.pk}/delete/"))
    assert not world.postmortem.timeline_entries.exists()


# --- Review --------------------------------------------------------------------------------------

def test_only_the_allowed_moves_are_offered_to_each_person(client, world):
    page = _as(client, world.member).get(_url(world)).content.decode()
    assert 'id="transition-in_review"' in page and 'id="transition-approved"' not in page

    _approvable(world)
    page = client.get(_url(world)).content.decode()
    assert 'id="transition-approved"' not in page  # the author never approves their own
    assert 'id="transition-draft"' not in page  # asking for changes is a reviewer's move

    page = _as(client, world.reviewer).get(_url(world)).content.decode()
    assert 'id="transition-approved"' in page and 'id="transition-draft"' in page
    assert "Nothing blocks approval." in page


def test_approval_blockers_are_listed_and_the_approve_button_waits_for_them(client, world):
    pm = world.postmortem
    why(pm, actor=world.member, answer="Unchecked")
    postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="in_review")

    page = _as(client, world.reviewer).get(_url(world)).content.decode()
    assert "Choose the root-cause category." in page
    assert re.search(r'id="transition-approved" disabled', page)

    response = client.post(_url(world, "transition/"), {"to": "approved"})
    assert response.status_code == 409 and "cannot be approved yet" in response.content.decode()


def test_the_author_approving_their_own_post_mortem_is_refused_even_as_a_reviewer(client, world):
    from apps.accounts.services import membership_set

    membership_set(team=world.team, user=world.member, role="reviewer")
    _approvable(world)
    assert 'id="transition-approved"' not in _as(client, world.member).get(_url(world)).content.decode()
    response = _as(client, world.member).post(_url(world, "transition/"), {"to": "approved"})
    assert response.status_code == 403 and "someone else approves it" in response.content.decode()


def test_a_reviewer_accepts_and_rejects_action_points_but_not_their_own(client, world):
    pm = world.postmortem
    item = action_item_propose(incident_id=pm.incident_id, actor=world.member, title="Label the box",
                               kind="corrective")
    page = _as(client, world.member).get(_url(world, "?section=actions")).content.decode()
    assert f"Accept AI-{item.pk}" not in page

    page = _as(client, world.reviewer).get(_url(world, "?section=actions")).content.decode()
    assert f"Accept AI-{item.pk}" in page
    response = client.post(_url(world, f"actions/{item.pk}/review/"), {"decision": "reject", "reason": ""})
    assert response.status_code == 400 and "Say why it is rejected" in response.content.decode()
    client.post(_url(world, f"actions/{item.pk}/review/"), {"decision": "accept"})
    assert ActionItem.objects.get(pk=item.pk).review_state == "accepted"
    assert f"Accept AI-{item.pk}" not in client.get(_url(world, "?section=actions")).content.decode()  # decided

    # A reviewer's own proposal: no controls for them, and the service agrees (four eyes).
    own = action_item_propose(incident_id=pm.incident_id, actor=world.reviewer, title="Own idea", kind="process")
    assert f"Accept AI-{own.pk}" not in client.get(_url(world, "?section=actions")).content.decode()
    response = client.post(_url(world, f"actions/{own.pk}/review/"), {"decision": "accept"})
    assert response.status_code == 403 and ActionItem.objects.get(pk=own.pk).review_state == "proposed"


def test_proposing_an_action_point_from_the_page(client, world):
    _as(client, world.member).post(_url(world, "actions/"), {
        "title": "Alert when the box shows the other catalogue", "kind": "detective", "scope": "category",
        "priority": "P1"})
    item = ActionItem.objects.get()
    assert (item.kind, item.scope, item.priority, item.proposed_by) == ("detective", "category", "P1", world.member)


# --- The meeting screen's endpoints ---------------------------------------------------------------

def test_the_revision_counts_every_change_and_quick_controls_answer_json(client, world):
    node = why(world.postmortem, actor=world.member, answer="A guess")
    _as(client, world.reviewer)
    before = client.get(_url(world, "revision/")).json()["revision"]

    response = client.post(_url(world, f"whys/{node.pk}/decide/"), {"status": "confirmed", "note": "Seen in logs."},
                           HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200 and response.json()["ok"] is True
    assert client.get(_url(world, "revision/")).json() == {"revision": before + 1, "status": "draft", "presenter": None}
    assert response.json()["revision"] == before + 1

    refused = client.post(_url(world, f"whys/{node.pk}/decide/"), {"status": "refuted", "note": "x"},
                          HTTP_X_REQUESTED_WITH="fetch")
    assert refused.status_code == 409 and "cannot move from 'confirmed' to 'refuted'" in refused.json()["detail"]


def test_fragments_render_one_section_for_the_meeting_screen(client, world):
    node = why(world.postmortem, actor=world.member, answer="A guess")
    _as(client, world.reviewer)
    fragment = client.get(_url(world, "fragments/whys/"))
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html and f'id="why-{node.pk}"' in html
    assert 'class="decide-form js-quick"' in html and 'name="return_to" value="meeting"' in html
    assert client.get(_url(world, "fragments/review/")).status_code == 200
    assert client.get(_url(world, "fragments/nonsense/")).status_code == 404


def test_a_closed_incident_s_proposal_offers_reject_and_says_how_to_accept_it(client, world):
    """Accepting would open a ticket on a closed incident (the service refuses it with 409):
    the page offers only Reject and says what would let it be accepted."""
    pm = world.postmortem
    item = action_item_propose(incident_id=pm.incident_id, actor=world.member, title="Label the box",
                               kind="corrective")
    for to in ("resolved", "closed"):
        incident_transition(incident_id=pm.incident_id, to=to, actor=world.member)
    incident = world.incident.pk

    page = _as(client, world.reviewer).get(_url(world, "?section=actions")).content.decode()
    assert f"Accept AI-{item.pk}" not in page
    assert f"Reject AI-{item.pk}" in page
    assert f"Reopen INC-{incident} to accept it." in page

    response = client.post(_url(world, f"actions/{item.pk}/review/"), {"decision": "reject", "reason": "Too late."})
    assert response.status_code < 400
    assert ActionItem.objects.get(pk=item.pk).review_state == "rejected"

    # Reopened, a new proposal can be accepted again, with no note.
    incident_transition(incident_id=pm.incident_id, to="open", actor=world.member)
    other = action_item_propose(incident_id=pm.incident_id, actor=world.member, title="Alert on units",
                                kind="detective")
    page = client.get(_url(world, "?section=actions")).content.decode()
    assert f"Accept AI-{other.pk}" in page and "to accept it." not in page


def test_the_meeting_agenda_lists_post_mortems_in_review(client, world):
    _approvable(world)
    page = _as(client, world.reviewer).get("/postmortems/meeting/").content.decode()
    assert f'href="/postmortems/meeting/{world.incident.pk}/"' in page
    assert "sent for review <time" in page and "just now</time>" in page  # when, as people say it
    page = client.get(f"/postmortems/meeting/{world.incident.pk}/").content.decode()
    assert 'data-revision-url="/incidents/' in page and "js/meeting.js" in page and "<script>" not in page


def test_a_quick_control_without_javascript_goes_back_to_the_meeting(client, world):
    node = why(world.postmortem, actor=world.member, answer="A guess")
    response = _as(client, world.reviewer).post(_url(world, f"whys/{node.pk}/decide/"),
                                                {"status": "refuted", "note": "No.", "return_to": "meeting"})
    assert response.status_code == 302 and response["Location"] == f"/postmortems/meeting/{world.incident.pk}/#whys"


# --- Export and print -----------------------------------------------------------------------------

def test_a_published_post_mortem_downloads_as_markdown(client, world):
    pm = world.postmortem
    guess = why(pm, actor=world.member, answer="The recommender ranked it")
    decide(guess, actor=world.member, status="refuted", note="It is the 'last seen' box.")
    item = action_item_propose(incident_id=pm.incident_id, actor=world.member, title="Filter the box",
                               kind="corrective")
    action_item_review(item_id=item.pk, actor=world.reviewer, decision="accept")
    _published(world)

    response = _as(client, world.reporter).get(_url(world, "export.md"))

    assert response.status_code == 200 and response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="postmortem-INC-{pm.incident_id}.md"'
    text = response.content.decode()
    assert text.startswith(f"# Post-mortem: INC-{pm.incident_id}")
    assert "~~The recommender ranked it~~ — ❌ refuted" in text
    assert "## Root-cause chain" in text and "UI / product surface" in text
    assert f"| AI-{item.pk} | Filter the box |" in text and "Accepted (a ticket)" in text


def test_only_a_published_post_mortem_is_exported(client, world):
    response = _as(client, world.member).get(_url(world, "export.md"))
    assert response.status_code == 409 and "only a published post-mortem is exported" in response.content.decode()
    assert client.get("/incidents/999999/postmortem/export.md").status_code == 404


def test_the_printable_view_has_every_section_and_no_controls(client, world):
    why(world.postmortem, actor=world.member, answer="A guess")
    page = _as(client, world.member).get(_url(world, "print/")).content.decode()
    for heading in ("Facts", "Timeline", "Five whys", "Root cause", "Impact", "Lessons", "Action points", "Summary"):
        assert f">{heading}</h2>" in page
    assert "not yet published" in page
    printable = page.split('id="printable"')[1]
    assert "<form" not in printable


def test_the_impact_is_measured_from_the_inference_log_from_the_page(client, world):
    response = _as(client, world.member).post(_url(world, "impact/measure/"), follow=True)
    assert "Measured from the inference log:" in response.content.decode()
    postmortem = Postmortem.objects.get()
    assert postmortem.impact_query and postmortem.affected_predictions is not None and postmortem.version == 2
