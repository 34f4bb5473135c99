"""The diagnosis engine: facts from the database (`facts`), candidate repairs from the input
checks (`repairs`), and the reasoning that runs the checks and ranks hypotheses (`reason`)."""

from .facts import CaseFacts, gather
from .reason import Outcome, diagnose

__all__ = ["CaseFacts", "Outcome", "diagnose", "gather"]
