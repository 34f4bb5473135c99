"""A gentle check for blaming language. It advises and never blocks: a post-mortem is about
how the system let a mistake through, so a sentence that pins something on a person gets a
suggestion to say what the process, tool or check was missing instead."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

BLAME_PHRASES = (
    "forgot", "forgets", "forgetting", "careless", "carelessly", "failed to", "fails to", "should have",
    "shouldn't have", "should not have", "fault", "blame", "blamed", "to blame", "negligent", "negligence",
    "sloppy", "didn't bother", "did not bother", "messed up", "screwed up", "incompetent", "lazy", "mistake by",
    "human error", "ignored", "neglected",
)
# Capitalised words that start sentences or name teams and systems, not people.
_NOT_NAMES = frozenset(
    "I We It The This That They He She You Our Nobody Someone Everyone Team Model Pipeline System Job Deploy "
    "Nothing Nightly Monitoring Training Serving Production Staging Review Reviewer Engineer Service Code "
    "There Here When Then Because Why What Who If But And Also No Yes".split())
_ALTERNATION = "|".join(re.escape(phrase) for phrase in sorted(BLAME_PHRASES, key=len, reverse=True))
_PHRASE = re.compile(rf"\b({_ALTERNATION})\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
# A capitalised word right before the blaming phrase ("Bob forgot", "Alice really should have").
_NAMED_BEFORE_PHRASE = re.compile(rf"(?<![\w@])([A-Z][a-z][\w'-]{{0,30}})\s+(?:\w+\s+){{0,2}}?(?i:{_ALTERNATION})\b")
_MENTION = re.compile(r"(?<![\w@])@([\w.-]{2,40})")

SUGGESTION = ("Blameless framing: describe what the system let through rather than who slipped — e.g. "
              "\"the deploy checklist had no step for checking feature units\" instead of \"{name} forgot to "
              "check the units\". What made the mistake easy to make, and hard to notice?")


@dataclass(frozen=True)
class BlameHint:
    field: str
    excerpt: str
    person: str
    phrase: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def _people_in(sentence: str, names: frozenset[str]) -> list[str]:
    found = list(_MENTION.findall(sentence))
    found += [word for word in _NAMED_BEFORE_PHRASE.findall(sentence) if word not in _NOT_NAMES]
    lowered = sentence.lower()
    found += [name for name in names if len(name) > 2 and re.search(rf"\b{re.escape(name)}\b", lowered)]
    return list(dict.fromkeys(found))


def blame_hints(*, field: str, text: str, names: Iterable[str] = ()) -> list[BlameHint]:
    """Hints for each sentence of `text` that puts a person (a known name, an @mention or a
    capitalised name) next to a blaming word. `names` are lower-case names of the people
    involved (usernames, first and last names)."""
    if not text:
        return []
    known = frozenset(name.lower() for name in names if name)
    hints = []
    for sentence_match in _SENTENCE.finditer(text):
        sentence = sentence_match.group(0).strip()
        phrase = _PHRASE.search(sentence)
        if not phrase:
            continue
        people = _people_in(sentence, known)
        if not people:
            continue
        person = people[0]
        hints.append(BlameHint(
            field=field, excerpt=sentence[:200], person=person, phrase=phrase.group(1).lower(),
            message=f"“{sentence[:120]}” puts “{phrase.group(1)}” next to {person}. "
                    + SUGGESTION.format(name=person)))
    return hints
