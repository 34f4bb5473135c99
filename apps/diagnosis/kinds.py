"""The hypothesis vocabulary (contract: relied on by checks outside the repo — extend, never
rename) and what each kind is about."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    INPUT_UNIT_CHANGE = "input_unit_change"
    UNSEEN_CATEGORY = "unseen_category"
    MISSING_VALUE = "missing_value"
    SWAPPED_FEATURES = "swapped_features"
    OUT_OF_RANGE = "out_of_range"
    VERSION_MISMATCH = "version_mismatch"
    NONDETERMINISM = "nondeterminism"
    NOT_REPRODUCIBLE = "not_reproducible"
    MODEL_BEHAVIOUR = "model_behaviour"
    DRIFT = "drift"
    CHANGE_POINT = "change_point"
    # Extensions (issue 20's joint checks): a value plausible alone but not next to the
    # features it travels with — typically taken from another row by a bad join — and a
    # category that exists but never occurs with the rest of the input.
    VALUE_FROM_ANOTHER_ROW = "value_from_another_row"
    UNUSUAL_COMBINATION = "unusual_combination"


# Kinds that blame one input of the report (a defect on the input path): on a clean input
# none of them may come first.
INPUT_DEFECT_KINDS = frozenset({
    Kind.INPUT_UNIT_CHANGE, Kind.UNSEEN_CATEGORY, Kind.MISSING_VALUE, Kind.SWAPPED_FEATURES, Kind.OUT_OF_RANGE,
    Kind.VALUE_FROM_ANOTHER_ROW, Kind.UNUSUAL_COMBINATION,
})

# How a kind reads on a page ("Unit change") and which root-cause category of the
# post-mortem taxonomy it suggests.
LABELS: dict[str, str] = {
    Kind.INPUT_UNIT_CHANGE: "Unit change on the input path",
    Kind.UNSEEN_CATEGORY: "A category the model never saw",
    Kind.MISSING_VALUE: "A missing value (or a placeholder for one)",
    Kind.SWAPPED_FEATURES: "Two features swapped",
    Kind.OUT_OF_RANGE: "A value far outside the training range",
    Kind.VERSION_MISMATCH: "Another version answered",
    Kind.NONDETERMINISM: "The model is not deterministic",
    Kind.NOT_REPRODUCIBLE: "The logged output does not reproduce",
    Kind.MODEL_BEHAVIOUR: "The model does what its data taught it",
    Kind.DRIFT: "The input drifts",
    Kind.CHANGE_POINT: "A pattern that starts at a change",
    Kind.VALUE_FROM_ANOTHER_ROW: "A value from another row",
    Kind.UNUSUAL_COMBINATION: "A combination never seen in training",
}

# The question a drafted why-node answers ("{feature}" is the feature the hypothesis names; a
# question is shown as plain text, so no backticks).
QUESTIONS: dict[str, str] = {
    Kind.INPUT_UNIT_CHANGE: "Why did the model see {feature} in another unit than in training?",
    Kind.UNSEEN_CATEGORY: "Why did the model see a category of {feature} it never saw in training?",
    Kind.MISSING_VALUE: "Why was {feature} missing (or a placeholder) when the model ran?",
    Kind.SWAPPED_FEATURES: "Why did {feature} hold another feature's value?",
    Kind.OUT_OF_RANGE: "Why was {feature} so far outside what the model was trained on?",
    Kind.VERSION_MISMATCH: "Why did the answer come from another version than the one logged?",
    Kind.NONDETERMINISM: "Why does the model answer differently for the same input?",
    Kind.NOT_REPRODUCIBLE: "Why does the logged output not come back from the logged inputs?",
    Kind.MODEL_BEHAVIOUR: "Why did the model give this answer for these inputs?",
    Kind.DRIFT: "Why do live values of {feature} drift away from training?",
    Kind.CHANGE_POINT: "What changed when {feature} started to look like this?",
    Kind.VALUE_FROM_ANOTHER_ROW: "Why does {feature} not fit the rest of the input?",
    Kind.UNUSUAL_COMBINATION: "Why does this value of {feature} occur with the rest of the input?",
}
