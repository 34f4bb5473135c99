"""Numbers, durations, dates, plurals and JSON values as a person reads them, the same on every
page (apps/core/humanize.py and its template filters)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template

from apps.core import humanize


@pytest.mark.parametrize(("raw", "shown"), [
    (2.1799999999999997, "2.18"),
    (625000.0, "625,000"),
    (1234567.8, "1,234,568"),
    (0.12345678, "0.1235"),
    (0.000012345, "1.234 × 10⁻⁵"),
    (-0.5, "-0.5"),
    (3, "3"),
    (12000, "12,000"),
    (None, "—"),
    (float("inf"), "∞"),
])
def test_numbers_have_separators_and_no_float_noise(raw, shown):
    assert humanize.number(raw) == shown


@pytest.mark.parametrize(("raw", "shown"), [
    (timedelta(days=8, hours=20), "8 days 20 h"),
    (timedelta(days=1, minutes=3), "1 day 3 min"),
    (3 * 3600 + 300, "3 h 5 min"),
    (125, "2 min 5 s"),
    (0.42, "0.4 s"),
    (None, "—"),
])
def test_durations_read_as_the_two_largest_units(raw, shown):
    assert humanize.duration(raw) == shown


@pytest.mark.parametrize(("raw", "shown"), [
    (0.1, "in the bottom 0.1 % of training"),
    (99.7, "in the top 0.3 % of training"),
    (12.4, "at the 12th percentile of training"),
    (2, "at the 2nd percentile of training"),
    (0.0, "below every training value"),
])
def test_percentiles_are_words_not_0_1th(raw, shown):
    assert humanize.percentile_phrase(raw) == shown


def test_relative_times_say_how_long_ago_and_keep_the_date_for_old_ones():
    now = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
    assert humanize.relative(now - timedelta(seconds=20), now=now) == "just now"
    assert humanize.relative(now - timedelta(minutes=5), now=now) == "5 min ago"
    assert humanize.relative(now - timedelta(hours=3, minutes=59), now=now) == "3 h ago"
    assert humanize.relative(now - timedelta(days=4), now=now) == "4 days ago"
    assert humanize.relative(now + timedelta(days=2, hours=1), now=now) == "in 2 days"
    assert humanize.relative(now - timedelta(days=90), now=now) == "2026-09-07"


def test_plurals_count_with_the_noun():
    assert humanize.counted(1, "report") == "1 report"
    assert humanize.counted(2, "report") == "2 reports"
    assert humanize.counted(0, "reporter") == "0 reporters"
    assert humanize.counted(1204, "prediction") == "1,204 predictions"
    assert humanize.counted(2, "reply", "replies") == "2 replies"


def test_json_values_never_show_python_reprs():
    assert humanize.value({"surface": "cellar-page", "ok": True, "score": 2.1799999999999997}) == \
        '{"surface": "cellar-page", "ok": true, "score": 2.18}'
    assert humanize.value(None) == "—"
    assert humanize.value(False) == "false"
    assert humanize.value("class_1") == "class_1"


def _render(source: str, **context) -> str:
    return Template("{% load human %}" + source).render(Context(context))


def test_a_context_object_renders_as_a_definition_list_with_its_text_escaped():
    html = _render("{{ context|pairs }}", context={"surface": "cellar-page", "request": "<b>r-1</b>"})
    assert "<dt>surface</dt><dd>cellar-page</dd>" in html
    assert "&lt;b&gt;r-1&lt;/b&gt;" in html and "{'surface'" not in html


def test_times_show_relative_words_with_the_absolute_time_on_hover():
    moment = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    html = _render("{{ moment|when }}", moment=moment)
    assert 'datetime="2026-01-05T09:30:00+00:00"' in html and 'title="2026-01-05 09:30"' in html


def test_backticked_names_in_a_message_become_code_and_stay_escaped():
    html = _render("{{ message|code_spans }}", message="`proline` = 625,000 <script> is odd")
    assert html == "<code>proline</code> = 625,000 &lt;script&gt; is odd"


def test_filters_in_templates_format_like_the_functions():
    assert _render('{{ n|counted:"report" }} from {{ m|counted:"reporter" }}', n=2, m=1) == "2 reports from 1 reporter"
    assert _render("{{ x|number }} · {{ d|duration }}", x=2.1799999999999997, d=timedelta(days=8, hours=20)) == \
        "2.18 · 8 days 20 h"


def test_a_logged_value_keeps_its_digits_and_loses_only_float_noise():
    assert humanize.value(7.654321) == "7.654321"
    assert humanize.value(0.1 + 0.2) == "0.3"
    assert humanize.value(625000.0) == "625,000"


# Every flag code the input checks write (apps/registry/reference_checks.py and joint_checks.py).
FLAG_CODES = ["above_max", "below_min", "scale_shift", "default_value", "missing", "unseen_category",
              "unknown_feature", "type_mismatch", "non_finite", "redacted", "swapped", "default_filled",
              "unusual_combination", "inconsistent_with_others", "swapped_with:magnesium"]


@pytest.mark.parametrize("code", FLAG_CODES)
def test_every_flag_code_has_words_for_its_badge(code):
    label = humanize.flag_label(code)
    assert label and "_" not in label.replace("magnesium", "") and ":" not in label


@pytest.mark.parametrize(("code", "shown"), [
    ("unusual_combination", "unusual combination"),
    ("inconsistent_with_others", "does not fit the others"),
    ("scale_shift", "unit change"),
    ("swapped_with:proline", "swapped with proline"),
    ("a_future_flag", "a future flag"),
])
def test_flag_badges_read_as_words(code, shown):
    assert humanize.flag_label(code) == shown


def test_the_flag_filter_words_a_flag_like_the_function():
    assert _render("{% for f in flags %}[{{ f|flag_label }}]{% endfor %}",
                   flags=["unusual_combination", "swapped_with:ash"]) == "[unusual combination][swapped with ash]"
