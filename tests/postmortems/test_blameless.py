"""The blameless check finds a person next to a blaming word, and leaves systems language alone."""

import pytest

from apps.postmortems.blameless import blame_hints


@pytest.mark.parametrize("text, person, phrase", [
    ("Bob forgot to check the units.", "Bob", "forgot"),
    ("Alice really should have known.", "Alice", "should have"),
    ("@sam failed to review the change", "sam", "failed to"),
    ("Then kim was careless with the export.", "kim", "careless"),
])
def test_a_person_next_to_a_blaming_word_is_flagged(text, person, phrase):
    [hint] = blame_hints(field="went_wrong", text=text, names={"kim"})
    assert (hint.person, hint.phrase, hint.field) == (person, phrase, "went_wrong")
    assert "checklist" in hint.message


@pytest.mark.parametrize("text", [
    "The deploy checklist had no step for checking feature units.",
    "We should have had an alert on the feature range.",
    "The nightly job failed to run. Nobody was paged.",
    "Bob reviewed the change carefully.",
])
def test_systems_language_and_neutral_mentions_are_not_flagged(text):
    assert blame_hints(field="went_wrong", text=text, names={"bob"}) == []


def test_each_blaming_sentence_gets_its_own_hint():
    hints = blame_hints(field="facts", text="Bob forgot the units. The checklist had no step. Eve ignored the alert.")
    assert [hint.person for hint in hints] == ["Bob", "Eve"]
