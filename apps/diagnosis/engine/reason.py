"""The differential diagnosis itself: run the checks (one batched predict per version: the
input as logged, repeated runs, every candidate repair and the nearest training rows on the
logged version; the input as logged on every other version), then weigh each hypothesis by
what its checks showed. A check that cannot run says so and lowers confidence; nothing is
guessed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from apps.forensics.counterfactual import Variant, VariantResult, counterfactual_predict, load_version
from apps.forensics.neighbours import nearest
from apps.replays.comparison import outputs_match
from apps.replays.expectations import expectation_met
from apps.replays.models import Predicate

from ..kinds import INPUT_DEFECT_KINDS, Kind
from .facts import CaseFacts, Expectation, _said, label_in_words
from .hypothesis import Hypothesis, Outcome, check
from .log_checks import drift_and_change, support_defects
from .repairs import Candidate, candidates_from_checks

# Runs of the same input beyond the first: a model that answers at random shows it here.
REPEATS = 7
NEIGHBOURS = 7
# A flagged input is "loud" from this check score on (the forensics scale).
ALARM_SCORE = 0.5

@dataclass
class _Runs:
    as_logged: VariantResult | None
    repeats: list[VariantResult]
    repairs: dict[int, VariantResult]
    neighbours: list[VariantResult]
    others: dict[str, VariantResult]  # version label → as logged on that version
    labels: list[Any]


def _predict(facts: CaseFacts, candidates: list[Candidate], neighbour_rows: list[dict]) -> _Runs:
    version = facts.logged_version
    variants = [Variant("as logged")] + [Variant(f"run {n + 2}") for n in range(REPEATS)]
    repair_at: dict[int, int] = {}
    for index, candidate in enumerate(candidates):
        if candidate.overrides:
            repair_at[index] = len(variants)
            variants.append(Variant(candidate.repair or candidate.kind.value, candidate.overrides))
    first_neighbour = len(variants)
    variants += [Variant(f"training row {n + 1}", row) for n, row in enumerate(neighbour_rows)]
    results = counterfactual_predict(version=version, base=facts.features, variants=variants)
    others = {}
    for other in facts.other_versions:
        others[other.version] = counterfactual_predict(version=other, base=facts.features,
                                                       variants=[Variant("as logged")])[0]
    return _Runs(as_logged=results[0], repeats=results[1:1 + REPEATS],
                 repairs={index: results[position] for index, position in repair_at.items()},
                 neighbours=results[first_neighbour:], others=others, labels=_labels(facts, results))


def _labels(facts: CaseFacts, results: list[VariantResult]) -> list[Any]:
    """Labels the model can output: its classes when the artifact says, else what it answered."""
    try:
        loaded = load_version(facts.logged_version)
        classes = getattr(getattr(loaded, "predictor", None), "classes_", None)
        if classes is not None:
            return [item.item() if hasattr(item, "item") else item for item in classes]
    except Exception:  # noqa: BLE001 — the runs already said why the model cannot load
        pass
    seen = [result.output for result in results if result.ok] + [facts.output]
    return list(dict.fromkeys(item for item in seen if isinstance(item, str)))


def _expectation(facts: CaseFacts, labels: list[Any]) -> Expectation | None:
    if facts.expectation is not None:
        return facts.expectation
    named = label_in_words(facts.expected_text, labels)
    if named is None:
        return None
    return Expectation(Predicate.EQUALS, named, source="the reporter's words")


def _met(expectation: Expectation | None, output: Any, facts: CaseFacts) -> bool | None:
    if expectation is None:
        return None
    return expectation_met(predicate=expectation.predicate, value=expectation.value, field=expectation.field,
                           output=output, **facts.tolerance)


def _neighbour_rows(facts: CaseFacts) -> tuple[list[dict], list[float]]:
    if not facts.reference_sample or not facts.stats:
        return [], []
    sample = pd.DataFrame.from_records(facts.reference_sample)
    positions, distances = nearest(sample=sample, features=facts.features, stats=facts.stats, k=NEIGHBOURS)
    rows = sample.iloc[positions].astype(object).where(pd.notna(sample.iloc[positions]), None)
    return rows.to_dict(orient="records"), [float(d) for d in distances]


def diagnose(facts: CaseFacts) -> Outcome:
    notes: list[dict[str, Any]] = []
    if facts.logged_version is None or not facts.features:
        summary = ("There are no inputs to check yet: link the logged prediction (or give the features) and the "
                   "diagnosis runs again.")
        return Outcome(summary, [], [check("inputs", summary, False, ran=False)])
    if not facts.stats:
        notes.append(check("reference", f"Version {facts.logged_version.version} has no reference statistics: the "
                           "inputs cannot be compared with training, so no input defect can be judged.", False,
                           ran=False))
    if facts.redacted:
        notes.append(check("redacted features", f"{', '.join(facts.redacted)} "
                           f"{'is' if len(facts.redacted) == 1 else 'are'} redacted for this model: the value the "
                           "model saw was never stored, so no run of this input can be made.", False, ran=False))
    candidates = candidates_from_checks(checks=facts.checks, features=facts.features, stats=facts.stats,
                                        schema=facts.schema)
    neighbour_rows, distances = _neighbour_rows(facts)
    runs = _predict(facts, candidates, neighbour_rows)
    expectation = _expectation(facts, runs.labels)
    if expectation is not None:
        notes.append(check("expected answer", f"What should have come out: {expectation.words} "
                           f"({expectation.source}).", True))
    hypotheses: list[Hypothesis] = []
    reproduction = _reproduction(facts, runs, hypotheses, notes)
    now = runs.as_logged.output if runs.as_logged is not None and runs.as_logged.ok else None
    hypotheses += [_input_defect(facts, candidate, runs.repairs.get(index), expectation, now)
                   for index, candidate in enumerate(candidates)]
    behaviour = _model_behaviour(facts, runs, distances, candidates, reproduction)
    if behaviour is not None:
        hypotheses.append(behaviour)
    support_defects(hypotheses, drift_and_change(facts, candidates, notes))
    hypotheses.sort(key=lambda h: (-round(h.confidence, 2), h.kind))
    return Outcome(_summary(hypotheses), [h.as_json() for h in hypotheses], notes)


def _summary(hypotheses: list[Hypothesis]) -> str:
    if not hypotheses or hypotheses[0].confidence < 0.3:
        return "Nothing stands out: the output comes back, the inputs look like training, and no check points anywhere."
    top = hypotheses[0]
    text = top.summary
    return "Most likely " + (text if text.startswith("`") else text[0].lower() + text[1:])


# --- Reproduction: the logged output, again, on this and every other version ---------------

@dataclass
class _Reproduction:
    ran: bool
    reproduces: bool | None
    unstable: bool


def _reproduction(facts: CaseFacts, runs: _Runs, hypotheses: list[Hypothesis], notes: list[dict]) -> _Reproduction:
    version = facts.logged_version.version
    first = runs.as_logged
    if first is None or not first.ran or not first.ok:
        why = first.error if first is not None else "nothing ran"
        notes.append(check("replay on the logged version", f"Version {version} could not run this input: {why}",
                           False, ran=False))
        return _Reproduction(ran=False, reproduces=None, unstable=False)
    outputs = [first.output] + [r.output for r in runs.repeats if r.ok]
    distinct = []
    for output in outputs:
        if not any(outputs_match(seen, output, **facts.tolerance) for seen in distinct):
            distinct.append(output)
    unstable = len(distinct) > 1
    repeat_check = check(
        "repeated runs", f"{len(outputs)} runs of the same input on version {version} gave "
        + (f"{len(distinct)} different outputs ({', '.join(_said(o) for o in distinct[:4])})." if unstable
           else f"the same output every time ({_said(first.output)})."), unstable)
    if unstable:
        hypotheses.append(Hypothesis(
            Kind.NONDETERMINISM, 0.95,
            f"Version {version} is not deterministic: the same input gave {len(distinct)} different outputs in "
            f"{len(outputs)} runs, so the logged output is one draw among several.",
            checks=[repeat_check]))
    if not facts.has_output:
        notes.append(check("replay on the logged version", "The report has no logged output to compare with.", False,
                           ran=False))
        return _Reproduction(ran=True, reproduces=None, unstable=unstable)
    reproduces = outputs_match(facts.output, first.output, **facts.tolerance)
    replay_check = check("replay on the logged version",
                         f"Version {version} answers {_said(first.output)}; the log says {_said(facts.output)}: "
                         + ("the output comes back." if reproduces else "it does not come back."), not reproduces)
    if unstable:
        notes.append(replay_check | {"supports": reproduces})
    if reproduces or unstable:
        return _Reproduction(ran=True, reproduces=reproduces, unstable=unstable)
    version_checks = [replay_check, repeat_check]
    matching, failed = [], []
    for label, result in runs.others.items():
        if not result.ok:
            failed.append(label)
            version_checks.append(check(f"replay on version {label}", f"Could not run: {result.error}", False,
                                        ran=False))
            continue
        same = outputs_match(facts.output, result.output, **facts.tolerance)
        version_checks.append(check(f"replay on version {label}",
                                    f"Version {label} answers {_said(result.output)}"
                                    + (" — the logged output." if same else "."), same))
        if same:
            matching.append(label)
    if matching:
        names = " and ".join(matching)
        hypotheses.append(Hypothesis(
            Kind.VERSION_MISMATCH, 0.9 if len(matching) == 1 else 0.8,
            f"The service ran version {names} while logging {version}: the logged output "
            f"{_said(facts.output)} comes back on {names}, not on {version}.",
            checks=version_checks))
        return _Reproduction(ran=True, reproduces=False, unstable=False)
    tried = len(runs.others) - len(failed)
    if not runs.others:
        version_checks.append(check("other versions", f"{version} is the only registered version: whether another "
                                    "version would give the logged output cannot be checked.", False, ran=False))
    confidence = 0.8 if tried else 0.55
    confidence -= 0.1 * len(failed)
    hypotheses.append(Hypothesis(
        Kind.NOT_REPRODUCIBLE, confidence,
        f"The logged output {_said(facts.output)} does not come back from the logged inputs on "
        + (f"any of the {tried + 1} registered versions" if tried else f"version {version}")
        + ", and the model is deterministic: the live path saw other inputs than were logged, or ran an artifact "
          "that is not registered (training–serving skew, a logging bug).",
        checks=version_checks))
    return _Reproduction(ran=True, reproduces=False, unstable=False)


# --- Input defects: each flagged input, repaired, through the logged version ----------------

_HEADLINES = {
    Kind.INPUT_UNIT_CHANGE: "`{feature}` was logged in another unit",
    Kind.UNSEEN_CATEGORY: "`{feature}` = {value} is a category the model never saw",
    Kind.MISSING_VALUE: "`{feature}` was missing, or a placeholder stood in for it",
    Kind.SWAPPED_FEATURES: "`{feature}` and `{other}` were swapped",
    Kind.OUT_OF_RANGE: "`{feature}` = {value} is far outside the training range",
    Kind.VALUE_FROM_ANOTHER_ROW: "`{feature}` does not fit the rest of the input — a value from another row?",
    Kind.UNUSUAL_COMBINATION: "`{feature}` = {value} never occurs with the rest of this input",
}


def _input_defect(facts: CaseFacts, candidate: Candidate, result: VariantResult | None,
                  expectation: Expectation | None, runs_output: Any) -> Hypothesis:
    headline = _HEADLINES[candidate.kind].format(feature=candidate.feature, value=_said(candidate.value),
                                                 other=candidate.other_feature or "")
    checks = [check("input check", candidate.finding or headline, True)]
    # How loud the check is: 0.3 (mild) to 1 (loud) on the forensics scale.
    confidence = 0.3 + 0.15 * min(candidate.strength, 1.0)
    if candidate.kind == Kind.OUT_OF_RANGE:
        # Barely outside is a note, not an explanation; far outside against the spread is.
        far = candidate.distance or 0.0
        confidence = 0.15 + 0.3 * min(far / 3.0, 1.0)
        checks.append(check("distance from the range", f"{far:.1f} spreads (interquartile ranges) outside.",
                            far >= 1.0))
    counterfactual = None
    tail = ""
    if result is None:
        checks.append(check("counterfactual replay", "No repair to try: the check does not say what the value "
                            "should have been.", False, ran=False))
        confidence -= 0.1
    elif not result.ok:
        checks.append(check("counterfactual replay", f"Could not run: {result.error}", False, ran=False))
        confidence -= 0.1
    else:
        # "Does the answer change?" — against what the version answers now for the input as
        # logged (the logged output may not even come back).
        now = runs_output
        changes = now is not None and not outputs_match(now, result.output, **facts.tolerance)
        met = _met(expectation, result.output, facts)
        counterfactual = {"input": _jsonable(candidate.overrides), "output": result.output, "matches_expected": met}
        what = f"{candidate.repair}, version {facts.logged_version.version} answers {_said(result.output)}"
        if met is True:
            confidence += 0.4
            tail = f": {candidate.repair}, the model answers {_said(result.output)}, which the reporter expected."
            checks.append(check("counterfactual replay", f"{what} — what was expected.", True))
        elif changes:
            confidence += 0.2 if met is None else 0.05
            tail = f": {candidate.repair}, the model answers {_said(result.output)} instead of {_said(now)}."
            checks.append(check("counterfactual replay", what + f" instead of {_said(now)}"
                                + (f", still not what was expected ({expectation.words})." if met is False else "."),
                                True))
        else:
            confidence -= 0.05
            tail = f" — but {candidate.repair}, the model still answers {_said(result.output)}."
            checks.append(check("counterfactual replay", what + ": the repair does not change the answer.", False))
    summary = headline + (tail or ".")
    return Hypothesis(candidate.kind, confidence, summary[0].upper() + summary[1:] if not summary.startswith("`")
                      else summary, feature=candidate.feature, checks=checks, counterfactual=counterfactual)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {name: (value.item() if hasattr(value, "item") else value) for name, value in values.items()}


# --- The model doing what its data taught it --------------------------------------------------

def _model_behaviour(facts: CaseFacts, runs: _Runs, distances: list[float], candidates: list[Candidate],
                     reproduction: _Reproduction) -> Hypothesis | None:
    if reproduction.unstable or reproduction.reproduces is False or not reproduction.ran:
        return None
    loud = [c for c in candidates if c.strength >= ALARM_SCORE and c.kind != Kind.OUT_OF_RANGE
            or c.kind == Kind.OUT_OF_RANGE and (c.distance or 0) >= 1.0]
    checks = [check("output comes back", f"Version {facts.logged_version.version} answers "
                    f"{_said(runs.as_logged.output)}, as logged." if reproduction.reproduces else
                    "The report has no logged output; the model's answer now is "
                    f"{_said(runs.as_logged.output)}.", True)]
    checks.append(check("inputs typical", "Every input is within what training saw." if not loud else
                        f"{len(loud)} input{'s stand' if len(loud) != 1 else ' stands'} out "
                        f"({', '.join(c.feature for c in loud[:3])}).", not loud))
    confidence = 0.35 if not loud else 0.1
    answered = runs.as_logged.output
    ok = [r for r in runs.neighbours if r.ok]
    if not ok:
        checks.append(check("most similar training rows", "No reference sample is stored for this version, so the "
                            "most similar training rows cannot be compared." if not runs.neighbours else
                            "The most similar training rows could not be run.", False, ran=False))
    else:
        same = sum(outputs_match(answered, r.output, **facts.tolerance) for r in ok)
        share = same / len(ok)
        close = sum(1 for d in distances if d <= 1.0)
        checks.append(check("most similar training rows",
                            f"{same} of the {len(ok)} most similar training rows get {_said(answered)} from the model"
                            f" ({close} of them close).", share >= 0.5))
        # With a loud input, similar training rows say little about this input: a defect
        # explains the case better than "the model learnt it".
        confidence += (0.5 * share - (0.1 if close == 0 else 0.0)) if not loud else 0.15 * share
    return Hypothesis(Kind.MODEL_BEHAVIOUR, confidence,
                      f"The model does what its data taught it: it answers {_said(answered)} for inputs like this "
                      "one. A modelling assumption, a label or a product question — not a pipeline defect.",
                      checks=checks)

__all__ = ["INPUT_DEFECT_KINDS", "Hypothesis", "Outcome", "diagnose"]
