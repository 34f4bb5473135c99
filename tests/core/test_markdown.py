"""User text renders as Markdown, and nothing in it can run script in a reader's browser."""

import re

import pytest
from django.template import Context, Template

from apps.core.markdown import ALLOWED_TAGS, render_markdown
from tests.core.xss import XSS_PAYLOADS, unsafe_markup


def test_emphasis_lists_and_code_render():
    html = render_markdown("*really* **odd**\n\n- first\n- second\n\n1. one\n2. two\n\n`proline` and\n\n"
                           "```\nx = 1000 * x\n```")
    assert "<em>really</em>" in html and "<strong>odd</strong>" in html
    assert "<ul>\n<li>first</li>" in html and "<ol>\n<li>one</li>" in html
    assert "<code>proline</code>" in html
    assert "<pre><code>x = 1000 * x\n</code></pre>" in html


def test_links_keep_their_address_and_get_a_safe_rel():
    html = render_markdown("See [the dashboard](https://example.com/d?a=1&b=2) or [mail us](mailto:ml@example.com)")
    assert '<a href="https://example.com/d?a=1&amp;b=2" rel="noopener noreferrer nofollow">the dashboard</a>' in html
    assert '<a href="mailto:ml@example.com" rel="noopener noreferrer nofollow">mail us</a>' in html


def test_line_breaks_typed_by_the_reporter_stay_line_breaks():
    assert render_markdown("first line\nsecond line") == "<p>first line<br>\nsecond line</p>\n"


def test_other_schemes_lose_their_address():
    assert "href" not in render_markdown("[x](ftp://example.com/file)")


def test_images_and_headings_stay_text():
    html = render_markdown("# Not a heading\n\n![pixel](https://tracker.example/p.gif)")
    assert "<h1>" not in html and "# Not a heading" in html
    assert "<img" not in html


def test_raw_html_is_shown_as_text_not_markup():
    assert render_markdown("<b>bold?</b>") == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>\n"


def test_empty_text_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_produce_no_executable_markup(payload):
    html = render_markdown(payload)
    assert unsafe_markup(html) == []
    assert "<script" not in html.lower()
    assert set(re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", html)) <= ALLOWED_TAGS


def test_template_syntax_is_shown_literally_not_evaluated():
    template = Template("{% load markdown_tags %}{{ text|markdown }}")
    html = template.render(Context({"text": "{{ 7|add:'7' }} {% csrf_token %}", "csrf_token": "SECRET"}))
    assert "{{ 7|add:&#x27;7&#x27; }} {% csrf_token %}" in html or "{{ 7|add:'7' }} {% csrf_token %}" in html
    assert "14" not in html and "SECRET" not in html


def test_the_checker_itself_catches_live_markup():
    """Guards the guard: the helper the page tests rely on must flag what it looks for."""
    assert unsafe_markup("<script>alert(1)</script>")
    assert unsafe_markup('<img src="x" onerror="alert(1)">')
    assert unsafe_markup('<a href=" JaVaScRiPt:alert(1)">x</a>')
    assert unsafe_markup('<a href="data:text/html,x">x</a>')
    assert unsafe_markup("<svg></svg>")
    assert unsafe_markup('<p style="color:red">x</p>')
    assert not unsafe_markup('<p><a href="https://example.com">x</a> alert(1)</p><script>let a = 1;</script>')
