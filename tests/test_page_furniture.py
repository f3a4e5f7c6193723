"""What extraction leaves out of an HTML page (menus, link lists, footers) is kept, bounded, so the
reader can see it marked as removed; the article's own paragraphs never count as removed."""
from __future__ import annotations

import gzip

from storyline.extract import extract_page
from storyline.records import Page

ARTICLE = ["The city council approved the new harbour budget on Monday after a debate that lasted "
           "well into the night, officials said.",
           "The plan sets aside money for dredging the old channel, repairing the sea wall and building "
           "a ferry terminal on the north shore.",
           "Opponents said the cost had doubled since the first estimate and asked for an audit before "
           "any contract is signed."]


def _html(nav: list[str], footer: str, extra: str = "") -> str:
    links = "".join(f"<li><a href='/{i}'>{item}</a></li>" for i, item in enumerate(nav))
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE)
    return (f"<html><head><title>Council approves harbour budget</title><style>p {{color: red}}</style></head>"
            f"<body><nav><ul>{links}</ul></nav><article><h1>Council approves harbour budget</h1>{paragraphs}"
            f"</article>{extra}<footer><p>{footer}</p><script>var tracking = 'never shown';</script></footer>"
            "</body></html>")


def test_an_html_pages_menus_and_footer_are_kept_as_removed_and_its_paragraphs_are_not():
    html = _html(["Home", "World news", "Sports results", "Weather"], "© 2024 Harbour Gazette. All rights reserved.",
                 extra="<aside><h3>Most read</h3><ul><li><a href='/x'>Ten ways to save on energy bills</a></li></ul></aside>")
    article = extract_page(Page("p", "p.html", "html", html))
    removed = article.signals.removed
    assert article.text.split("\n\n") == ARTICLE
    assert {"Home", "World news", "Sports results", "Weather", "Most read", "Ten ways to save on energy bills",
            "© 2024 Harbour Gazette. All rights reserved."} <= set(removed)
    assert not any(line in article.text for line in removed)  # no paragraph of the article
    assert not any("tracking" in line or "color" in line for line in removed)  # scripts and styles are not text


def test_the_removed_lines_of_a_huge_or_deeply_nested_page_are_bounded():
    nav = [f"Section {i}" for i in range(5000)]
    deep = "<div>" * 3000 + "Lost in the nesting" + "</div>" * 3000
    article = extract_page(Page("p", "p.html", "html", _html(nav, "Footer", extra=deep)))
    assert not hasattr(article, "reason"), article  # extracted, not skipped
    assert 0 < len(article.signals.removed) <= 300 and article.signals.removed[0] == "Section 0"


def test_a_real_pages_removed_lines_are_furniture(shared):
    page = sorted((shared / "data/aeb/html").glob("*.html.gz"))[0]
    html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
    article = extract_page(Page("a", str(page), "html", html))
    assert article.signals.removed and article.text
    assert not any(line in article.text for line in article.signals.removed)
