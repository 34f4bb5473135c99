"""The reports app's writes, by job: filing (`create`, with `intake` resolving the inputs),
grouping, moving between incidents, and attached files."""

from .create import report_create
from .files import report_attachment_add
from .grouping import report_fingerprint_of, report_place
from .intake import LOGGED_SCHEMA_MISMATCH, NOT_GIVEN, ResolvedInputs, report_inputs_resolve
from .linking import report_model_assign, report_prediction_link
from .moves import report_move

__all__ = [
    "LOGGED_SCHEMA_MISMATCH",
    "NOT_GIVEN",
    "ResolvedInputs",
    "report_attachment_add",
    "report_create",
    "report_fingerprint_of",
    "report_inputs_resolve",
    "report_model_assign",
    "report_move",
    "report_prediction_link",
    "report_place",
]
