"""What a person typed after the slash command."""

from __future__ import annotations

import re
from dataclasses import dataclass

_STATUS = re.compile(r"^status\s+(?:wtf-)?(\d{1,18})\s*$", re.IGNORECASE)
_TOKEN = re.compile(r"[^\s,;()<>\"']+")


@dataclass(frozen=True)
class Parsed:
    kind: str  # "help", "status" or "report"
    report_id: int | None = None
    text: str = ""


def parse_command(text: str) -> Parsed:
    text = " ".join((text or "").split())
    if not text or text.lower() in {"help", "?", "-h", "--help"}:
        return Parsed("help")
    if match := _STATUS.match(text):
        return Parsed("status", report_id=int(match.group(1)))
    if text.lower().startswith("status"):
        return Parsed("help", text="Use `status ID`, e.g. `status 12` or `status WTF-12`.")
    return Parsed("report", text=text)


def words(text: str) -> list[str]:
    """Candidate names and ids in free text (a prediction id may sit anywhere in it)."""
    return [word.strip(".:!?") for word in _TOKEN.findall(text)][:200]
