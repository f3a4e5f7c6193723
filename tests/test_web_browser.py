"""The web reader in a real browser (issue 18, item 8): headless Chromium (Debian's package, at
/usr/bin/chromium) driven by Playwright, against `storyline serve` run as a user runs it, over a
store of the five example pages. The user's path: story list → story → page → diff → adding pages,
and what a hostile page cannot do there. Every page visited must answer 200 with the
Content-Security-Policy, and log no console error, no uncaught error and no failed request.

Reading tests use one server over the store; tests that add pages use a second server over a copy,
so the reading tests see the two seed stories whatever order the tests run in.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import httpx
import pytest

from .web_server import Server, build_store, copy_store

CHROMIUM = Path("/usr/bin/chromium")
try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None

# CI (.ci/run) installs chromium and sets STORYLINE_BROWSER_TESTS=required: there a missing
# browser fails the run instead of skipping the tests silently.
_missing = ("playwright is not installed (pip install -e '.[test]')" if sync_playwright is None else
            f"{CHROMIUM} is missing (apt-get install -y chromium)" if not CHROMIUM.exists() else None)
if _missing and os.environ.get("STORYLINE_BROWSER_TESTS") == "required":
    raise RuntimeError(f"browser tests are required here, but {_missing}")
pytestmark = pytest.mark.skipif(_missing is not None, reason=f"browser tests: {_missing or ''}")

SEED_STORY = "North Korean foreign minister"  # the 4-page story's title (examples 000 to 003)
FARM_COPY = "000_d0b7"   # a farm rewrite of 003: title suffix '-消息', page furniture around it
FARM_COPY_2 = "001_bb9d"  # a farm copy of 002: 'Ethermac' before the title and in the text
CSP_MUST = ("default-src 'none'", "frame-ancestors 'none'")

PASTED_TITLE = "Harbour town of Eastmere opens its new ferry line after two years of delays"
PASTED_TEXT = """Officials in the harbour town of Eastmere said on Tuesday that the new ferry line to Northholm would open to passengers next week, after two years of delays and a budget that doubled.

The mayor, Ada Brook, told reporters at the town hall that the council had approved the last payment to the shipyard and that the first crossing was planned for Monday morning.

Residents have complained for months about the cost of the project. "We were promised a boat in 2022," said Tom Heller, who runs a bakery near the pier.

The ferry will carry up to 300 passengers and 40 cars, and the crossing will take about 50 minutes, the council said."""
UPLOADED_TITLE = "Westhaven library reopens after flood repairs"
UPLOADED_HTML = """<!doctype html><html><head><meta charset="utf-8">
<title>Westhaven library reopens after flood repairs | Westhaven Courier</title>
<meta property="og:site_name" content="Westhaven Courier">
<meta property="article:published_time" content="2024-03-05T09:00:00Z">
</head><body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<article><h1>Westhaven library reopens after flood repairs</h1>
<p>The public library in Westhaven reopened on Tuesday, eight months after a flood filled its basement and ruined thousands of books, the town council said.</p>
<p>Librarian Mara Quist said volunteers had dried and catalogued more than 4,000 volumes over the winter, and that the children's section had been moved upstairs.</p>
<p>The repairs cost the town about 1.2 million euros, part of it paid by the regional flood fund. The library will open late on Thursdays until the summer.</p>
</article><footer>Copyright Westhaven Courier</footer></body></html>"""
HOSTILE_TITLE = "<script>window.pwned=1</script>Hostile <img src=x onerror=window.pwned=2>"


# ---------------------------------------------------------------- servers and browser
@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """`storyline run --db s.db examples`: 5 pages, 2 stories, reports built."""
    return build_store(tmp_path_factory.mktemp("browser") / "s.db")


def _serve(db: Path):
    server = Server(db, db.with_suffix(".log")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def reader(store):
    """The server the reading tests use; nothing writes to its store."""
    yield from _serve(store)


@pytest.fixture(scope="module")
def writer(store):
    """A server over a copy of the store, for the tests that add pages."""
    yield from _serve(copy_store(store, store.with_name("w.db")))


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield chromium
        finally:
            chromium.close()


class Tab:
    """A browser tab that remembers what went wrong: console errors, uncaught errors, failed
    requests and answers of 400 or more (except those a test asked for)."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base = page, base
        self.problems: list[str] = []
        self.responses = []
        self.expected_failures: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", lambda response: self.responses.append(response))

    def _console(self, message) -> None:
        if message.type == "error" and message.location.get("url") not in self.expected_failures:
            self.problems.append(f"console error: {message.text} (at {message.location.get('url')})")

    def _failed(self, request) -> None:
        if "ERR_ABORTED" not in (request.failure or ""):  # a navigation cancels what is still loading
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def goto(self, path: str, status: int = 200):
        url = urljoin(self.base, path)
        if status >= 400:
            self.expected_failures.add(url)
        response = self.page.goto(url)
        assert response is not None and response.status == status, (url, response and response.status)
        return response

    def assert_clean(self) -> None:
        """No problem logged, and every answer had its status and the Content-Security-Policy."""
        self.page.wait_for_load_state("load")
        bad = [f"{r.status} {r.url}" for r in self.responses
               if r.status >= 400 and r.url not in self.expected_failures]
        missing = [r.url for r in self.responses if not _strict_csp(r.all_headers().get("content-security-policy"))]
        assert not self.problems, self.problems
        assert not bad, f"answers with errors: {bad}"
        assert not missing, f"answers without a strict Content-Security-Policy: {missing}"
        assert self.responses, "no page was visited"

    def pwned(self):
        return self.page.evaluate("typeof window.pwned === 'undefined' ? null : window.pwned")


def _strict_csp(policy: str | None) -> bool:
    return bool(policy) and all(part in policy for part in CSP_MUST) and "unsafe-inline" not in policy \
        and "unsafe-eval" not in policy


def _tab(browser, server: Server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield Tab(context.new_page(), server.url)
    finally:
        context.close()


@pytest.fixture
def tab(browser, reader):
    yield from _tab(browser, reader)


@pytest.fixture
def wtab(browser, writer):
    yield from _tab(browser, writer)


def _open_seed_story(tab: Tab) -> None:
    tab.goto("/")
    tab.page.get_by_role("link", name=re.compile(SEED_STORY)).click()
    expect(tab.page).to_have_url(re.compile(r"/stories/s-[0-9a-f]+$"))


def _source_row(tab: Tab, example: str):
    return tab.page.locator("#sources table tbody tr", has_text=example)


# ---------------------------------------------------------------- reading
def test_story_list_shows_the_two_seed_stories_with_their_page_counts(tab):
    tab.goto("/")
    page = tab.page
    expect(page.locator("h1")).to_have_text("Stories")
    expect(page.locator("p.count")).to_have_text("2 stories")
    rows = page.locator("table.stories tbody tr")
    expect(rows).to_have_count(2)
    big = rows.filter(has_text=SEED_STORY)
    expect(big.locator("td.num").first).to_have_text("4")
    expect(big.locator(".flag.farm")).to_have_text("50% farm")  # two of its four pages are farm copies
    expect(big.locator(".flag.misdated")).to_have_text("2 misdated")
    expect(rows.filter(has_text="Lavrov arrives").locator("td.num").first).to_have_text("1")
    expect(page.locator("table.stories a[href^='/storylines/']")).to_have_count(2)  # both in one storyline
    tab.assert_clean()


def test_the_seed_story_shows_summary_timeline_sources_and_provenance(tab):
    _open_seed_story(tab)
    page = tab.page
    expect(page.locator("h1")).to_contain_text(SEED_STORY)
    expect(page.locator("p.meta")).to_contain_text("4 pages · 3 independent sources")
    # the summary, each sentence citing the pages it comes from
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    summary = page.locator("ol.summary > li")
    assert summary.count() >= 3
    assert summary.first.locator(".cites a[href^='/pages/']").count() >= 1
    # the timeline, drawn on the server: one mark and one label per event, inside the drawing
    timeline = page.locator("svg.timeline")
    expect(timeline).to_be_visible()
    events = timeline.locator("g.event")
    assert events.count() >= 5
    assert timeline.locator("g.event circle, g.event rect").count() == events.count()
    expect(events.first.locator("text")).to_contain_text("2023-09")
    # the sources table: four pages, the farm copies flagged with their reasons
    rows = page.locator("#sources table tbody tr")
    expect(rows).to_have_count(4)
    farm = _source_row(tab, FARM_COPY)
    expect(farm).to_have_class(re.compile(r"\bfarm\b"))
    expect(farm.locator(".flag.farm")).to_be_visible()
    expect(farm.locator("ul.reasons")).to_contain_text("injected spam '-消息'")
    expect(farm.locator(".flag.misdated")).to_be_visible()
    expect(_source_row(tab, FARM_COPY_2).locator("td").nth(1)).to_contain_text("copy of")
    original = _source_row(tab, "003_d9f8")
    expect(original.locator("td").nth(1)).to_have_text("original")
    expect(original.locator(".flag.farm")).to_have_count(0)
    # the provenance graph: four pages, three links, the original at the left
    graph = page.locator("svg.graph")
    expect(graph).to_be_visible()
    expect(graph.locator("g.node")).to_have_count(4)
    expect(graph.locator("line.edge")).to_have_count(3)
    expect(graph.locator("g.node.role-original")).to_contain_text("examples/003_d9f85eff")
    assert graph.locator("g.node.farm").count() == 2
    original_box = graph.locator("g.node.role-original rect").bounding_box()
    assert all(original_box["x"] <= box["x"] for box in
               (n.bounding_box() for n in graph.locator("g.node rect").all()))
    tab.assert_clean()


def test_the_seed_story_timeline_labels_stay_inside_the_drawing(tab):
    _open_seed_story(tab)
    _assert_timeline_labels_inside(tab)
    tab.assert_clean()


def _assert_timeline_labels_inside(tab: Tab) -> None:
    timeline = tab.page.locator("svg.timeline")
    expect(timeline).to_be_visible()
    frame = timeline.bounding_box()
    outside = []
    for label in timeline.locator("g.event text").all():
        box = label.bounding_box()
        if box["x"] < frame["x"] - 1 or box["x"] + box["width"] > frame["x"] + frame["width"] + 1:
            outside.append((label.text_content()[:60], round(box["x"] - frame["x"]), round(box["width"])))
    assert not outside, f"timeline labels cut off by the drawing's edge (text, x, width; drawing " \
                        f"{round(frame['width'])} wide): {outside}"


def test_the_seed_story_provenance_labels_stay_inside_their_boxes(tab):
    _open_seed_story(tab)
    graph = tab.page.locator("svg.graph")
    frame = graph.bounding_box()
    outside = []
    for node in graph.locator("g.node").all():
        box = node.locator("rect").bounding_box()
        right = min(box["x"] + box["width"], frame["x"] + frame["width"])
        for label in node.locator("text").all():
            text = label.bounding_box()
            if text["x"] + text["width"] > right + 1:
                outside.append((label.text_content(), round(text["x"] + text["width"] - right)))
    assert not outside, f"provenance labels running out of their box (text, px beyond): {outside}"
    tab.assert_clean()


@pytest.mark.parametrize("example, injected, furniture, text", [
    (FARM_COPY, "-消息", "Date:2025-04-14 22:34:16", "MOSCOW (AP) — North Korea’s foreign minister is visiting"),
    (FARM_COPY_2, "Ethermac", "More:Stocks", "MOSCOW (AP) — Russia’s top diplomat on Tuesday hosted"),
])
def test_a_farm_copy_opens_with_its_text_and_shows_what_was_removed_on_demand(tab, example, injected, furniture,
                                                                               text):
    _open_seed_story(tab)
    _source_row(tab, example).locator("td").last.locator("a").click()
    page = tab.page
    expect(page).to_have_url(re.compile(r"/pages/[0-9a-f]{16}$"))
    expect(page.locator("h1")).not_to_contain_text(injected)  # the title as the article has it
    article = page.locator("article.text")
    expect(article).to_contain_text(text)
    expect(article).not_to_contain_text(furniture)
    expect(page.locator("section.removed")).to_have_count(0)  # shown on demand only
    toggle = page.get_by_role("link", name="Show what was removed")
    counts = re.compile(r"[1-9]\d* injections?, [1-9]\d* lines? of page furniture")
    expect(page.locator("p.toggle")).to_contain_text(counts)
    toggle.click()
    expect(page).to_have_url(re.compile(r"\?removed=1$"))
    removed = page.locator("section.removed")
    expect(removed).to_be_visible()
    expect(removed.locator("del.injected").first).to_have_text(injected)
    expect(removed.locator("ul.furniture")).to_contain_text(furniture)
    expect(removed.locator("ul.furniture li del").first).to_be_visible()  # struck through, marked removed
    expect(article).to_contain_text(text)
    page.get_by_role("link", name="Hide what was removed").click()
    expect(page.locator("section.removed")).to_have_count(0)
    tab.assert_clean()


@pytest.mark.parametrize("example, injected, title_b", [
    (FARM_COPY, "-消息", "North Korean foreign minister visits Moscow"),
    (FARM_COPY_2, "Ethermac", "North Korea’s top diplomat in Moscow"),
])
def test_the_diff_link_of_a_farm_copy_shows_both_sides_with_the_injected_words_marked(tab, example, injected, title_b):
    _open_seed_story(tab)
    _source_row(tab, example).get_by_role("link", name="diff").click()
    page = tab.page
    expect(page).to_have_url(re.compile(r"/diff\?a=[0-9a-f]{16}&b=[0-9a-f]{16}$"))
    expect(page.locator("h1")).to_have_text("Side by side")
    sides = page.locator("div.diff > div.side")
    expect(sides).to_have_count(2)
    expect(sides.nth(1).locator("h2")).to_contain_text(title_b)
    marked = sides.nth(1).locator("mark.injected")  # not the legend above the two sides
    expect(marked.first).to_be_visible()
    assert any(m.inner_text().strip() == injected for m in marked.all()), [m.inner_text() for m in marked.all()]
    assert sides.nth(0).locator("mark.injected").count() == 0  # the original holds none
    assert page.locator("div.diff span.only").count() >= 1  # words on one side only are marked too
    expect(sides.nth(0).locator("p").first).to_be_visible()
    sides.nth(0).locator("p.meta a").click()  # each side links to its page
    expect(page).to_have_url(re.compile(r"/pages/[0-9a-f]{16}$"))
    tab.assert_clean()


def test_every_link_from_the_story_list_leads_to_a_page_without_errors(tab):
    """Every page the reader links to, up to three clicks from the list (stories, storylines, pages,
    diffs, removed text, the add form), answers 200, with its policy, and logs no error."""
    seen, queue = set(), [("/", 0)]
    while queue and len(seen) < 80:
        path, depth = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        tab.goto(path)
        if depth == 3:
            continue
        for href in tab.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or parts.path.endswith(".json") or parts.path.startswith("/api/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append((target, depth + 1))
    kinds = {p.split("/")[1].split("?")[0] for p in seen}
    assert {"stories", "storylines", "pages", "diff", "add"} <= kinds, sorted(seen)
    assert len(seen) >= 15, sorted(seen)  # 2 stories, 1 storyline, 5 pages and their removed text, 3 diffs
    tab.assert_clean()


def test_every_answer_carries_a_strict_policy_and_the_favicon_is_not_a_404(tab, reader):
    tab.goto("/")
    css = tab.page.request.get(reader.url + "/static/style.css")
    assert css.status == 200 and _strict_csp(css.headers.get("content-security-policy"))
    favicon = tab.page.request.get(reader.url + "/favicon.ico")
    assert favicon.status == 204 and _strict_csp(favicon.headers.get("content-security-policy"))
    styled = tab.page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")
    assert styled != "rgba(0, 0, 0, 0)"  # the stylesheet is allowed by the policy and applied
    tab.assert_clean()


# ---------------------------------------------------------------- adding pages
def _added_row(tab: Tab):
    page = tab.page
    expect(page.locator("h1")).to_have_text("Pages added")
    rows = page.locator("table.added tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.locator("td").nth(2)).to_have_text("ok")
    return rows.first


def test_pasting_an_article_on_the_add_page_adds_it_and_links_to_it(wtab):
    wtab.goto("/")
    page = wtab.page
    page.get_by_role("link", name="Add pages").click()
    expect(page.locator("h1")).to_have_text("Add pages")
    page.locator("input[name=title]").fill(PASTED_TITLE)
    page.locator("input[name=date]").fill("2024-03-05")
    page.locator("textarea[name=text]").fill(PASTED_TEXT)
    page.get_by_role("button", name="Add").click()
    row = _added_row(wtab)
    expect(page.locator("main > p").first).to_have_text("1 added, 0 already stored, 0 skipped.")
    expect(row.locator("td").nth(1)).to_have_text(re.compile(r"^pasted"))
    expect(row.locator("td").nth(3).locator("a")).to_have_attribute("href", re.compile(r"^/stories/s-"))
    row.locator("td").first.locator("a").click()
    expect(page).to_have_url(re.compile(r"/pages/[0-9a-f]{16}$"))
    expect(page.locator("h1")).to_have_text(PASTED_TITLE)
    expect(page.locator("article.text p")).to_have_count(4)
    expect(page.locator("article.text")).to_contain_text("The mayor, Ada Brook, told reporters")
    page.get_by_role("link", name="Stories", exact=True).click()
    expect(page.locator("table.stories")).to_contain_text(PASTED_TITLE)
    wtab.assert_clean()


def test_uploading_an_html_file_on_the_add_page_adds_it_and_links_to_it(wtab, tmp_path):
    upload = tmp_path / "westhaven-library.html"
    upload.write_text(UPLOADED_HTML, encoding="utf-8")
    wtab.goto("/add")
    page = wtab.page
    page.set_input_files("input[name=files]", str(upload))
    page.get_by_role("button", name="Add").click()
    row = _added_row(wtab)
    expect(row.locator("td").nth(1)).to_have_text("upload:westhaven-library.html")
    row.locator("td").first.locator("a").click()
    expect(page.locator("h1")).to_have_text(UPLOADED_TITLE)
    expect(page.locator("dl.facts")).to_contain_text("Westhaven Courier")
    expect(page.locator("article.text")).to_contain_text("Librarian Mara Quist said volunteers")
    expect(page.locator("article.text")).not_to_contain_text("Copyright Westhaven Courier")
    wtab.assert_clean()


def test_a_one_day_story_timeline_labels_stay_inside_the_drawing(wtab, writer):
    added = httpx.post(writer.url + "/api/pages", json={"pages": [{
        "title": "Bridge over the Lune closes for inspection", "date": "2024-05-07",
        "text": "The Lune bridge in Ashby was closed on Tuesday for an urgent inspection, the county council said.\n\n"
                "Engineers found cracks in two of its supports on Tuesday morning, council engineer Rita Cole said.\n\n"
                "Buses will take a detour of 12 kilometres until the bridge reopens, the council said."}]}, timeout=60)
    assert added.status_code == 201, added.text
    story = added.json()["pages"][0]["story"]
    for _ in range(30):  # the report is built on the first visit; the page says when it is coming
        wtab.goto(f"/stories/{story}")
        if wtab.page.locator("p.pending").count() == 0:
            break
        wtab.page.wait_for_timeout(1000)
    _assert_timeline_labels_inside(wtab)
    wtab.assert_clean()


# ---------------------------------------------------------------- hostile input
def test_script_in_a_title_text_url_site_or_byline_is_shown_and_never_run(wtab, writer):
    hostile_html = ("<html><head><title>Quiet harbour news</title>"
                    "<meta property='og:site_name' content='<script>window.pwned=3</script>Evil Site'>"
                    "<meta name='author' content='<img src=x onerror=window.pwned=4>Jane Byline'>"
                    "</head><body><article><h1>Quiet harbour news &lt;svg onload=window.pwned=5&gt;</h1>"
                    "<p>The harbour of Eastmere was quiet on Tuesday, port officials said, as the winter storms passed "
                    "to the north and the fishing fleet stayed in port for a second day.</p>"
                    "<p>&lt;script&gt;window.pwned=6&lt;/script&gt; The harbour master, Lena Ruud, said the boats "
                    "would sail again on Thursday if the wind dropped below thirty knots.</p></article></body></html>")
    pages = [
        {"title": HOSTILE_TITLE, "url": "https://evil.example/\"><script>window.pwned=7</script>",
         "text": "Hostile text <script>window.pwned=8</script> and <b onmouseover=window.pwned=9>bold</b> words: "
                 "the chess club of Dunmore won its league on Saturday after a draw in the final round.\n\n"
                 "A second paragraph <iframe src=javascript:window.pwned=10></iframe> names the club's captain, "
                 "Ivo Sand, who played the last game."},
        {"html": hostile_html, "url": "https://evil.example/harbour"}]
    response = httpx.post(writer.url + "/api/pages", json={"pages": pages}, timeout=60,
                          headers={"content-type": "application/json"})
    assert response.status_code == 201, response.text
    first, second = response.json()["pages"]
    assert first["status"] == second["status"] == "ok", response.text
    page = wtab.page

    wtab.goto(f"/pages/{first['id']}")
    expect(page.locator("h1")).to_have_text(HOSTILE_TITLE)  # shown literally
    assert page.title() == f"{HOSTILE_TITLE} · storyline"
    expect(page.locator("article.text")).to_contain_text("text <script>window.pwned=8</script> and <b onmouseover")
    expect(page.locator("dl.facts")).to_contain_text('https://evil.example/"><script>window.pwned=7</script>')
    _assert_nothing_injected(wtab)

    wtab.goto(f"/pages/{second['id']}?removed=1")
    expect(page.locator("dl.facts")).to_contain_text("<script>window.pwned=3</script>Evil Site")
    expect(page.locator("dl.facts")).to_contain_text("Jane Byline")
    expect(page.locator("h1")).to_contain_text("<svg onload=window.pwned=5>")
    expect(page.locator("article.text")).to_contain_text("<script>window.pwned=6</script>")
    _assert_nothing_injected(wtab)

    for path in (f"/stories/{first['story']}", f"/stories/{second['story']}"):
        wtab.goto(path)
        _assert_nothing_injected(wtab)
    wtab.goto("/")
    _assert_nothing_injected(wtab)
    for story in {first["story"], second["story"]}:  # each story's title, as the API has it, shown as text
        title = httpx.get(f"{writer.url}/api/stories/{story}", timeout=30).json()["title"]
        expect(page.locator(f"table.stories a[href='/stories/{story}']")).to_have_text(title)
        assert "<" in title

    # what a link can carry back into the page: a search, an unknown id
    payload = "\"><script>window.pwned=11</script><img src=x onerror=window.pwned=12>"
    wtab.goto("/?q=" + quote(payload))
    expect(page.locator("input[name=q]")).to_have_value(payload)
    _assert_nothing_injected(wtab)
    no_slash = "\"><img src=x onerror=window.pwned=13><svg onload=window.pwned=14>"  # a path part holds no '/'
    wtab.goto("/pages/" + quote(no_slash, safe=""), status=404)
    expect(page.locator("main")).to_contain_text(f"no page '{no_slash}'")
    _assert_nothing_injected(wtab)
    wtab.goto("/diff?a=" + quote(payload) + f"&b={first['id']}", status=404)
    _assert_nothing_injected(wtab)
    wtab.assert_clean()


def _assert_nothing_injected(tab: Tab) -> None:
    assert tab.pwned() is None, f"a script ran on {tab.page.url}: window.pwned = {tab.pwned()}"
    main = tab.page.locator("main")
    assert main.locator("script, img, iframe, [onload], [onerror], [onmouseover]").count() == 0


# ---------------------------------------------------------------- the servers' own word
def test_the_servers_logged_no_error(reader, writer):
    for server in (reader, writer):
        log = server.log()
        assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
