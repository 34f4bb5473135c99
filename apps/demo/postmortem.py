"""The demo's post-mortem: the "last seen" box. A women's bag showed up on the men's homepage;
the first guess (the recommender ranked it) is refuted, and the checked chain leads through the
box being "recently viewed" to a family sharing one account — a subgroup nobody had modelled.

Everything goes through the real services (reports resolved from the inference log, the
why-tree, action points and the review pipeline), so the demo shows what people would build by
hand. It is in review, so the meeting screen has an agenda: one hypothesis and one action point
are still waiting for the reviewer."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

from apps.accounts.models import TeamRole
from apps.accounts.services import membership_set, team_create
from apps.actions.services import action_item_review
from apps.incidents.evidence import incident_evidence_add
from apps.postmortems.models import Postmortem
from apps.postmortems.services import (
    action_item_propose,
    postmortem_start,
    postmortem_transition,
    postmortem_update,
    timeline_entry_add,
    why_node_add,
    why_node_decide,
)
from apps.predictions.services import predictions_log
from apps.registry.models import ModelVersion
from apps.registry.services import model_team_assign, model_version_register
from apps.reports.models import Channel, Report
from apps.reports.services import report_attachment_add, report_create

HOME_MODEL = "homepage-recommender"
HOME_VERSION = "2026.11"
HOME_DISPLAY_NAME = "Homepage recommendations"
HOME_TEAM = "storefront"
CATEGORIES = ["mens_shoes", "mens_shirts", "mens_watches", "womens_bags", "womens_shoes", "womens_dresses"]
# The request the reporter's screenshot names: a men's homepage whose account last viewed a bag.
REPORTED_REQUEST = "home-00123"
SEED = 11


def _training_frame() -> tuple[pd.DataFrame, pd.Series]:
    """Synthetic homepage traffic: the recommender picks a category from the homepage segment
    and the account's habits. `last_viewed_category` is one of its inputs — which is how the
    inference log later shows what the account had viewed."""
    rng = np.random.default_rng(SEED)
    rows = 600
    segment = rng.choice(["men", "women"], size=rows)
    own = {"men": CATEGORIES[:3], "women": CATEGORIES[3:]}
    last_viewed = [rng.choice(own[value]) for value in segment]
    frame = pd.DataFrame({
        "segment": segment,
        "last_viewed_category": last_viewed,
        "sessions_7d": rng.integers(1, 15, size=rows),
        "account_age_days": rng.integers(10, 2000, size=rows),
    })
    labels = pd.Series([own[seg][(sessions + age) % 3] for seg, sessions, age in
                        zip(frame["segment"], frame["sessions_7d"], frame["account_age_days"], strict=True)])
    return frame, labels


def _ensure_version(user) -> ModelVersion:
    existing = ModelVersion.objects.filter(model__name=HOME_MODEL, version=HOME_VERSION).first()
    if existing is not None:
        return existing
    features, labels = _training_frame()
    encode = ColumnTransformer([("categories", OneHotEncoder(handle_unknown="ignore"),
                                 ["segment", "last_viewed_category"])], remainder="passthrough")
    estimator = make_pipeline(encode, DecisionTreeClassifier(max_depth=6, random_state=SEED)).fit(features, labels)
    directory = Path(settings.ARTIFACT_ROOT) / "demo"
    directory.mkdir(parents=True, exist_ok=True)
    artifact = directory / f"{HOME_MODEL}-{HOME_VERSION}.joblib"
    joblib.dump(estimator, artifact)
    return model_version_register(
        model_name=HOME_MODEL, version=HOME_VERSION, artifact_uri=str(artifact), reference=features,
        display_name=HOME_DISPLAY_NAME,
        description="Ranks a product category for the recommendation box of the men's and women's homepages.",
        actor=user,
    )


def _log_traffic(version: ModelVersion) -> int:
    """A day of men's-homepage requests, one of them the reported one."""
    estimator = joblib.load(version.artifact_uri)
    features, _ = _training_frame()
    sample = features[features["segment"] == "men"].head(40).reset_index(drop=True)
    sample.loc[23, ["last_viewed_category", "sessions_7d", "account_age_days"]] = ["womens_bags", 9, 1460]
    outputs = estimator.predict(sample)
    start = timezone.now() - timedelta(days=2)
    rows = [{
        "prediction_id": f"home-{100 + index:05d}",
        "model": HOME_MODEL,
        "model_version": HOME_VERSION,
        "features": {"segment": str(row.segment), "last_viewed_category": str(row.last_viewed_category),
                     "sessions_7d": int(row.sessions_7d), "account_age_days": int(row.account_age_days)},
        "output": str(outputs[index]),
        "timestamp": (start + timedelta(minutes=20 * index)).isoformat(),
        "context": {"surface": "homepage-men", "account": f"a-{5000 + index}", "request_id": f"req-h{index:04d}"},
    } for index, row in enumerate(sample.itertuples())]
    return predictions_log(rows=rows).created


def _screenshot() -> SimpleUploadedFile:
    """A drawn stand-in for the customer's screenshot: the men's homepage with its boxes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 240), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 480, 36), fill=(17, 24, 39))
    draw.text((12, 12), "MEN  |  new in  |  shoes  |  shirts  |  watches", fill="white")
    draw.rectangle((16, 56, 224, 224), outline=(90, 100, 112), width=2)
    draw.text((28, 66), "Recommended for you", fill="black")
    draw.text((28, 96), "Suede loafers", fill=(36, 84, 214))
    draw.rectangle((256, 56, 464, 224), outline=(180, 35, 24), width=3)
    draw.text((268, 66), "Last seen", fill="black")
    draw.text((268, 96), "Leather tote bag (women)", fill=(180, 35, 24))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("mens-homepage.png", buffer.getvalue(), content_type="image/png")


def _file_report(reporter) -> Report | None:
    if Report.objects.filter(model__name=HOME_MODEL).exists():
        return None
    report = report_create(
        reporter=reporter, model_name=HOME_MODEL, prediction_id=REPORTED_REQUEST,
        title="A women's bag on the men's homepage",
        description="My husband opened the shop and the men's homepage showed a women's leather tote in one of "
                    "the boxes. Screenshot attached.",
        expected="Men's products on the men's homepage.",
        context={"surface": "homepage-men"}, severity="medium", channel=Channel.FORM,
    )
    report_attachment_add(report=report, upload=_screenshot(), actor=reporter)
    return report


def _why(incident_id: int, actor, question: str, answer: str, *, parent=None, how_to_check: str = "",
         evidence_note: str = "", evidence=None):
    return why_node_add(incident_id=incident_id, actor=actor, parent_id=parent.pk if parent else None,
                        question=question, answer=answer, how_to_check=how_to_check, evidence_note=evidence_note,
                        evidence_ids=[item.pk for item in evidence or []])


def _verdict(node, actor, status: str, note: str) -> None:
    why_node_decide(incident_id=node.postmortem.incident_id, node_id=node.pk, actor=actor, status=status, note=note)


def _write_postmortem(*, report: Report, author, reviewer) -> Postmortem:
    incident_id = report.incident_id
    postmortem, _ = postmortem_start(incident_id=incident_id, actor=author)
    now = timezone.now()
    for hours_ago, text in (
        (24 * 9, "The 'Last seen' box is released on both homepages, next to 'Recommended for you'."),
        (30, "A customer reports a women's bag on the men's homepage (with a screenshot)."),
        (26, "On-call looks at the recommender first: its logged output for the request is men's shoes."),
        (20, "The box is identified as 'recently viewed', rendered from the account's own history."),
        (6, "Support confirms the account is used by a household (three devices, both catalogues)."),
    ):
        timeline_entry_add(incident_id=incident_id, actor=author, at=now - timedelta(hours=hours_ago), text=text)

    logged = incident_evidence_add(incident_id=incident_id, kind="report", ref_id=report.pk, actor=author)
    household = incident_evidence_add(
        incident_id=incident_id, kind="note", actor=author, title="Support ticket: household account",
        note="Support ticket #4471: the account is shared by a couple and their teenager; three devices.")

    question = "Why did the men's homepage show a women's bag?"
    ranked = _why(incident_id, author, question, "The recommender ranked the women's bag for this account.",
                  how_to_check="Compare the recommender's logged output for request home-00123 with the page.")
    _verdict(ranked, reviewer, "refuted",
             "The bag was in the 'Last seen' box, which shows recently viewed items — not recommendations. The "
             "recommender's logged output for the request is a men's category.")
    viewed = _why(incident_id, author, question, "The account itself viewed the bag, and the 'Last seen' box shows "
                                                 "the account's recently viewed items.",
                  how_to_check="Look up the request in the inference log: which category did the account view last?",
                  evidence_note="Inference log, request home-00123: last_viewed_category = womens_bags.",
                  evidence=[logged])
    _verdict(viewed, author, "confirmed", "The inference log shows the account viewed the bag the evening before.")

    why_man = "Why would an account on the men's homepage view a women's bag?"
    mixed = _why(incident_id, author, why_man, "Tracking mixed up two customers' sessions.", parent=viewed,
                 how_to_check="Check the session and device ids of the view against the homepage request.")
    _verdict(mixed, author, "refuted", "Same login, same device family, consistent session ids: no mix-up.")
    family = _why(incident_id, author, why_man, "The account is shared by a family: a partner browsed bags on it.",
                  parent=viewed, how_to_check="Ask support; look at the account's devices and purchases.",
                  evidence=[household])
    _verdict(family, reviewer, "confirmed", "Support confirmed a household account; purchases span both catalogues.")

    segment = _why(incident_id, author, "Why does a shared account get the men's homepage with everyone's history?",
                   "The homepage segment is one setting per account, chosen at sign-up, while 'Last seen' is the "
                   "account's whole history: nothing allows for an account being several people.", parent=family,
                   how_to_check="Read the homepage and 'Last seen' box specifications.",
                   evidence_note="Homepage spec §2 (segment per account); box spec: 'recent views of the account'.")
    _verdict(segment, author, "confirmed", "Both specifications say so; no per-person notion exists.")
    assumption = _why(incident_id, author, "Why did nobody allow for an account being several people?",
                      "Personalisation assumes one account = one person; household accounts were never analysed "
                      "as a subgroup.", parent=segment,
                      how_to_check="Search the evaluation reports of the homepage surfaces for a household "
                                   "subgroup.",
                      evidence_note="None of the three evaluation reports splits by household accounts.")
    _verdict(assumption, reviewer, "confirmed", "No evaluation mentions shared accounts.")
    _why(incident_id, author, "Why was the assumption never checked before launch?",
         "The launch checklist for personalised surfaces has no step for audience subgroups (households, gift "
         "shoppers, shared devices).", parent=assumption, how_to_check="Read the launch checklist.")

    postmortem_update(
        incident_id=incident_id, actor=author, expected_version=None,
        root_cause_category="modelling_assumption",
        root_cause_summary="The homepage and its 'Last seen' box assume that an account is one person. A household "
                           "account mixes everyone's history, so one person's views show on another's homepage.",
        facts="A customer saw a women's leather tote in the **Last seen** box of the men's homepage (screenshot in "
              "WTF report). The inference log holds the request: the recommender's own output was a men's category.",
        affected_requests=38, affected_users=12,
        impact_started_at=now - timedelta(days=9), impact_ended_at=now - timedelta(hours=4),
        impact_query="Inference log, model homepage-recommender, surface homepage-men, last_viewed_category in "
                     "womens_* (38 requests, 12 accounts over 9 days).",
        business_impact="A few customers saw the other catalogue on their homepage; one complaint. No revenue "
                        "effect measured, but the page looked broken.",
        went_well="The report carried the request id, so the inference log answered the first question in minutes.",
        went_wrong="We looked at the recommender first because it is the 'ML' part; the box was not ML at all.",
        got_lucky="The customer attached a screenshot showing which box it was.",
        summary="A women's bag appeared in the 'Last seen' box of the men's homepage. The box shows the account's "
                "recently viewed items, and the account is shared by a family. The product assumes one account = one "
                "person; the fix is to treat shared accounts as a subgroup everywhere we personalise.",
    )
    relabel = action_item_propose(
        incident_id=incident_id, actor=author, kind="corrective", scope="instance", priority="P2",
        title="Show only the homepage's own catalogue in the 'Last seen' box",
        description="Filter recently viewed items by the homepage segment and label the box 'Recently viewed on this "
                    "account'.")
    action_item_review(item_id=relabel.pk, actor=reviewer, decision="accept",
                       reason="Cheap, and stops the visible symptom this week.")
    action_item_propose(
        incident_id=incident_id, actor=author, kind="preventive", scope="category", priority="P2",
        title="Evaluate every personalised surface on household (shared) accounts",
        description="Add a household-account subgroup to the launch checklist and to the evaluation reports.")
    return postmortem_transition(incident_id=incident_id, actor=author, to="in_review")


def seed_postmortem(*, admin, people) -> tuple[int, int]:
    """Loads the homepage model, its traffic, the report and its post-mortem; returns how many
    predictions it logged and reports it filed (none when the demo already has them)."""
    team = team_create(slug=HOME_TEAM, name="Storefront team")
    membership_set(team=team, user=admin, role=TeamRole.REVIEWER)
    membership_set(team=team, user=people["sam"], role=TeamRole.MEMBER)
    version = _ensure_version(admin)
    model_team_assign(model=version.model, team=team)
    logged = _log_traffic(version)
    report = _file_report(people["casey"])
    if report is None:
        return logged, 0
    if not Postmortem.objects.filter(incident_id=report.incident_id).exists():
        _write_postmortem(report=report, author=people["sam"], reviewer=admin)
    return logged, 1
