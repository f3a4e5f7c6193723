"""The web reader and its JSON API (`storyline serve`), through Starlette's test client: what a
reader sees, what an API client gets, and what a hostile page or site cannot do."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from storyline import Storyline
from storyline.web.app import create_app

from .conftest import SEED

starlette_testclient = pytest.importorskip("starlette.testclient")
HOSTS = ["testserver"]  # the test client's Host header


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The five example pages, run (with reports) into a store once for the module."""
    folder = tmp_path_factory.mktemp("web")
    (folder / "seeds").mkdir()
    for path in SEED.values():
        shutil.copy(path, folder / "seeds" / path.name)
    db = folder / "s.db"
    with Storyline(db) as sl:
        sl.run([folder / "seeds"])
    return db


@pytest.fixture(scope="module")
def client(store):
    return starlette_testclient.TestClient(create_app(store, allowed_hosts=HOSTS, report_wait=120))


@pytest.fixture
def writable_store(store, tmp_path):
    """A private copy of the store, for tests that add pages."""
    db = tmp_path / "w.db"
    with Storyline(store, read_only=True) as sl:  # a consistent copy, whatever the WAL holds
        sl.store.db.execute("VACUUM INTO ?", (str(db),))
    return db


def _visit_story(client) -> dict:
    stories = client.get("/api/stories").json()["stories"]
    big = max(stories, key=lambda s: s["page_count"])
    return client.get(f"/api/stories/{big['id']}").json()


def test_story_list_shows_every_story_with_its_counts(client):
    listing = client.get("/api/stories").json()
    assert listing["total"] == 2
    assert sorted(s["page_count"] for s in listing["stories"]) == [1, 4]
    big = max(listing["stories"], key=lambda s: s["page_count"])
    assert big["sources"] == 3 and big["storyline_name"]
    assert big["farm_share"] == 0.5 and big["misdated_pages"] == 2  # the two farm copies (seeds 000, 001)
    html = client.get("/").text
    assert big["title"] in html and f'href="/stories/{big["id"]}"' in html


def test_html_and_json_are_one_view(client):
    story = _visit_story(client)
    by_suffix = client.get(f"/stories/{story['id']}.json").json()
    by_accept = client.get(f"/stories/{story['id']}", headers={"accept": "application/json"}).json()
    assert by_suffix == by_accept == story
    assert client.get(f"/stories/{story['id']}").headers["content-type"].startswith("text/html")


def test_list_filters_search_orders_and_pages(client):
    assert client.get("/api/stories", params={"q": "Lavrov arrives"}).json()["total"] == 1
    assert client.get("/api/stories", params={"q": "zebra"}).json()["total"] == 0
    for odd in ('"', '""', "a\x00b", "*", "NEAR("):  # FTS syntax in a search box is words, never an error
        assert client.get("/api/stories", params={"q": odd}).status_code == 200, odd
    # An entity's other spelling finds the story that names it (report entities, not only the text).
    assert client.get("/api/stories", params={"q": "Kim Jong Un"}).json()["total"] >= 1
    assert client.get("/api/stories", params={"misdated": "yes"}).json()["total"] == 2  # farm copies claim 2025
    assert client.get("/api/stories", params={"misdated": "no"}).json()["total"] == 0
    assert client.get("/api/stories", params={"max_farm": "0.5"}).json()["total"] == 1  # seed 004 is all farm
    assert client.get("/api/stories", params={"min_farm": "1"}).json()["total"] == 1
    assert client.get("/api/stories", params={"since": "2024-01-01"}).json()["total"] == 1
    assert client.get("/api/stories", params={"until": "2023-12-31"}).json()["total"] == 1
    assert client.get("/api/stories", params={"agency": "AP"}).json()["total"] >= 1
    by_size = client.get("/api/stories", params={"sort": "size"}).json()["stories"]
    assert [s["page_count"] for s in by_size] == [4, 1]
    first = client.get("/api/stories", params={"per_page": 1, "sort": "size"}).json()
    assert first["pages"] == 2 and first["next_page"] == 2 and first["previous_page"] is None
    second = client.get("/api/stories", params={"per_page": 1, "sort": "size", "page": 2}).json()
    assert second["stories"][0]["page_count"] == 1 and second["next_page"] is None
    html = client.get("/", params={"per_page": 1, "sort": "size"}).text
    following = re.search(r'<a rel="next" href="/\?([^"]+)"', html).group(1).replace("&amp;", "&")
    assert sorted(following.split("&")) == ["page=2", "per_page=1", "sort=size"]  # the next page keeps the query


@pytest.mark.parametrize("params, named", [({"sort": "newest"}, "sort"), ({"since": "2024-13-01"}, "since"),
                                           ({"max_farm": "2"}, "max_farm"), ({"page": "0"}, "page"),
                                           ({"per_page": "x"}, "per_page"), ({"misdated": "maybe"}, "misdated")])
def test_a_bad_query_is_a_400_that_names_the_parameter(client, params, named):
    answer = client.get("/api/stories", params=params)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["status"] == 400 and error["code"] == "bad_request" and named in error["message"]
    assert "400" in client.get("/", params=params).text  # the HTML page says it too


def test_every_error_has_one_shape(client):
    for url in ("/api/stories/nope", "/api/pages/nope", "/api/storylines/nope", "/api/nothing-here",
                "/stories/nope.json"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert set(answer.json()["error"]) == {"status", "code", "message"}
    refused = client.delete("/api/stories")
    assert refused.json()["error"]["status"] == 405 and "GET" in refused.headers["allow"]  # what would do
    assert client.post("/").headers["allow"] == client.delete("/api/stories").headers["allow"]
    assert client.get("/stories/nope", headers={"accept": "application/json"}).headers["vary"] == "Accept"  # cached apart
    page = client.get("/stories/nope")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"] and "nope" in page.text


def test_story_page_shows_report_timeline_sources_and_provenance(client):
    story = _visit_story(client)
    html = client.get(f"/stories/{story['id']}").text
    assert '<svg class="timeline"' in html and '<svg class="graph"' in html
    roles = sorted(m["role"] for m in story["members"])
    assert roles.count("copy") == 1 and "original" in roles
    farm = [m for m in story["members"] if m["is_content_farm"]]
    assert farm and all(m["content_farm"]["reasons"] for m in farm)
    for reason in farm[0]["content_farm"]["reasons"]:
        assert _escaped(reason) in html
    for m in story["members"]:  # each page's claimed date beside its estimate
        assert f'href="/pages/{m["id"]}"' in html
    dates = [e["date"] for e in story["report"]["timeline"]]
    assert "2023-09" in dates and "2024-01-16" in dates  # Kim's trip; Choe's talks
    assert story["diffs"] and all(d["a"] and d["b"] for d in story["diffs"])


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace('"', "&#34;")


def test_storyline_page_lists_its_stories_in_time_order(client):
    story = _visit_story(client)
    line = client.get(f"/api/storylines/{story['storyline']}").json()
    firsts = [s["first_date"] for s in line["story_list"]]
    assert len(firsts) == 2 and firsts == sorted(firsts)
    assert {"2023-07", "2023-09"} <= {e["date"] for e in line["report"]["timeline"]}  # Shoigu's, Kim's visits
    assert client.get(f"/storylines/{line['id']}").status_code == 200


def test_page_view_shows_what_was_removed_on_demand(client):
    story = _visit_story(client)
    farm = next(m for m in story["members"] if m["is_content_farm"] and m["injections"])
    page = client.get(f"/api/pages/{farm['id']}").json()
    assert page["removed_lines"] and page["text"]
    plain = client.get(f"/pages/{farm['id']}").text
    shown = client.get(f"/pages/{farm['id']}", params={"removed": "1"}).text
    injected = page["injections"][0]["text"]
    assert "<del" not in plain and f'<del class="injected">{_escaped(injected)}</del>' in shown
    assert _escaped(page["removed_lines"][-1]) in shown


def test_diff_marks_what_one_side_holds_and_the_injected_words(client):
    story = _visit_story(client)
    copy = next(m for m in story["members"] if m["role"] == "copy")
    diff = client.get("/api/diff", params={"a": copy["duplicate_of"], "b": copy["id"]}).json()
    assert 0.5 < diff["similarity"] <= 1.0
    kinds = {seg["kind"] for para in diff["left"] + diff["right"] for seg in para}
    assert "same" in kinds
    assert any(seg["kind"] == "injected" for seg in diff["b_title"])  # the farm's title spam, put back and marked
    html = client.get("/diff", params={"a": copy["duplicate_of"], "b": copy["id"]}).text
    assert '<mark class="injected">' in html
    assert client.get("/api/diff", params={"a": copy["id"]}).status_code == 400
    assert client.get("/api/diff", params={"a": copy["id"], "b": "nope"}).status_code == 404


def test_security_headers_and_a_strict_policy_on_every_response(client):
    for url in ("/", "/api/stories", "/api/stories/nope", "/static/style.css"):
        headers = client.get(url).headers
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy  # no script may run at all
        assert headers["x-content-type-options"] == "nosniff"
    html = client.get("/").text
    assert "<script" not in html and not re.search(r"\son[a-z]+\s*=", html)  # no inline handlers


def test_a_foreign_host_is_refused(store):
    client = starlette_testclient.TestClient(create_app(store), base_url="http://evil.example")
    answer = client.get("/api/stories")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_host"
    local = starlette_testclient.TestClient(create_app(store), base_url="http://127.0.0.1:8000")
    assert local.get("/api/stories").status_code == 200


def test_hostile_page_text_is_shown_not_run(writable_store):
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    added = client.post("/api/pages", json={"pages": [
        {"title": f"Hostile {hostile}", "url": "javascript:alert(3)",
         "text": f"A council met on Monday to discuss the budget for next year. {hostile} The vote is due in May."}]})
    assert added.status_code == 201
    page_id = added.json()["pages"][0]["id"]
    html = client.get(f"/pages/{page_id}").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html  # a page's URL is a link only when it is http(s)


def test_adding_pages_through_the_api_runs_the_pipeline(writable_store):
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    record = {"title": "Lavrov arrives in Pyongyang for talks",
              "text": "Russian Foreign Minister Sergey Lavrov arrived in North Korea on Wednesday for talks, "
                      "Russian state media said, weeks after Kim Jong Un visited Russia.",
              "url": "https://example.org/lavrov", "date": "2023-10-18"}
    first = client.post("/api/pages", json={"pages": [record]})
    assert first.status_code == 201
    page = first.json()["pages"][0]
    assert page["status"] == "ok" and page["story"]
    assert client.get(f"/api/pages/{page['id']}").json()["claimed_date"] == "2023-10-18"
    again = client.post("/api/pages", json=[{"text": "Another report on another day, said the paper."}, record])
    assert again.status_code == 201 and again.json()["summary"]["already_stored"] == 1
    assert again.json()["pages"][1]["status"] == "already_stored"  # wherever it stands in the request
    assert client.get("/api/stories").json()["total"] >= 2


@pytest.mark.parametrize("body, status, code", [
    (b"{not json", 400, "bad_request"),
    (json.dumps({"pages": []}).encode(), 400, "bad_request"),
    (json.dumps({"pages": [{"text": "x", "colour": "red"}]}).encode(), 400, "bad_request"),
    (json.dumps({"pages": ["just a string"]}).encode(), 400, "bad_request"),
    (b"[" * 100_000 + b"]" * 100_000, 400, "bad_request"),  # nested too deep for a parser
])
def test_unreadable_uploads_get_a_clear_error(writable_store, body, status, code):
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    answer = client.post("/api/pages", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    assert client.post("/api/pages", content=b"hello", headers={"content-type": "text/plain"}).status_code == 415


def test_a_page_that_cannot_be_read_is_reported_and_the_rest_added(writable_store):
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    files = [("files", ("empty.html", b"   ", "text/html")),
             ("files", ("good.txt", b"Flood waters rose in the valley on Tuesday as rain kept falling across the "
                                    b"region, officials said, and schools were closed for the rest of the week.",
                        "text/plain"))]
    answer = client.post("/api/pages", files=files, headers={"x-requested-with": "storyline"})
    assert answer.status_code == 201
    by_source = {p["source"]: p for p in answer.json()["pages"]}
    assert by_source["upload:empty.html"]["status"] == "skipped" and by_source["upload:empty.html"]["reason"]
    assert by_source["upload:good.txt"]["status"] == "ok"


def test_an_upload_that_unpacks_to_too_many_pages_is_refused(writable_store):
    import gzip
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    lines = b"".join(b'{"text": "Line %d of a flood of records."}\n' % i for i in range(5000))
    bomb = gzip.compress(lines)
    answer = client.post("/api/pages", files=[("files", ("many.jsonl.gz", bomb, "application/gzip"))],
                         headers={"x-requested-with": "storyline"})
    assert answer.status_code == 400 and "at most 1000 pages" in answer.json()["error"]["message"]
    assert client.get("/api/stories").json()["total"] == 2  # nothing of it was stored


def test_a_request_body_over_the_limit_is_refused(writable_store):
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS, max_body=1000))
    answer = client.post("/api/pages", json={"pages": [{"text": "word " * 1000}]})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    chunked = client.post("/api/pages", content=iter([b'{"pages": [{"text": "', b"x" * 2000, b'"}]}']),
                          headers={"content-type": "application/json"})
    assert chunked.status_code == 413  # no length stated: counted as it arrives


def test_forms_need_their_csrf_token(writable_store):
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    text = "Rescue teams reached the village on Friday after the landslide, the regional governor said."
    forged = client.post("/add", data={"text": text})  # what another site's form would send
    assert forged.status_code == 403 and "expired or came from another site" in forged.text
    form = client.get("/add")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    sent = client.post("/add", data={"text": text, "title": "Landslide", "csrf_token": token})
    assert sent.status_code == 200 and "Pages added" in sent.text and "1 added" in sent.text


def test_beyond_loopback_every_write_needs_the_token(writable_store):
    app = create_app(writable_store, host="0.0.0.0", token="s3cret", allowed_hosts=HOSTS)
    client = starlette_testclient.TestClient(app)
    record = {"pages": [{"text": "The harbour reopened on Sunday after the storm, port officials said."}]}
    assert client.get("/api/stories").status_code == 200  # reading needs no token
    refused = client.post("/api/pages", json=record)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_required"
    assert client.post("/api/pages", json=record, headers={"x-storyline-token": "wrong"}).status_code == 401
    assert client.post("/api/pages", json=record, headers={"authorization": "Bearer s3cret"}).status_code == 201


def test_a_cookie_or_token_of_any_characters_is_refused_never_a_crash(writable_store):
    """Another app on localhost can plant a cookie, and a client can send any bytes as a token:
    a non-ASCII one is invalid (a fresh cookie, a 403, a 401), not a 500 on every page."""
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    planted = client.get("/", headers={"cookie": "storyline_csrf=caf\u00e9".encode("latin-1")})
    assert planted.status_code == 200 and "storyline_csrf=" in planted.headers["set-cookie"]
    form = client.get("/add")
    assert form.status_code == 200
    text = "Rescue teams reached the village on Friday after the landslide, the regional governor said."
    assert client.post("/add", data={"text": text, "csrf_token": "\u00e9t\u00e9"}).status_code == 403
    guarded = starlette_testclient.TestClient(create_app(writable_store, host="0.0.0.0", token="s3cret",
                                                         allowed_hosts=HOSTS))
    record = {"pages": [{"text": text}]}
    for given in ("s3cr\u00e9t".encode("utf-8"), "s3cr\u00e9t".encode("latin-1")):
        refused = guarded.post("/api/pages", json=record, headers={"x-storyline-token": given})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_required"


@pytest.mark.parametrize("make, says", [
    (lambda p: p.write_bytes(b""), "empty or not a storyline store"),
    (lambda p: p.write_bytes(b"not a database, just bytes " * 200), "cannot open store"),
    (lambda p: p.mkdir(), "is a folder"),
])
def test_serving_a_file_that_is_no_store_fails_at_start_with_the_reason(tmp_path, make, says, capsys, monkeypatch):
    """Not a server that starts and then answers every request with a 500."""
    import uvicorn

    from storyline.cli import main

    def started(*args, **kwargs):
        raise AssertionError("the server started on a file that is no store")
    monkeypatch.setattr(uvicorn, "run", started)
    db = tmp_path / "store.db"
    make(db)
    assert main(["serve", "--db", str(db), "--port", "0"]) == 2
    assert says in capsys.readouterr().err


def test_an_api_record_with_a_field_of_the_wrong_type_is_a_400(writable_store):
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    text = "The harbour reopened on Sunday after the storm, port officials said, and ferries sailed again."
    for record in ({"text": text, "url": ["https://example.org/a"]}, {"text": text, "title": {"en": "Harbour"}},
                   {"text": 123}, {"text": text, "id": 1.5}):
        refused = client.post("/api/pages", json={"pages": [record]})
        assert refused.status_code == 400 and "must be strings" in refused.json()["error"]["message"], record
    assert client.post("/api/pages", json={"pages": [{"text": text, "id": 7}]}).status_code == 201


def test_an_api_record_with_half_a_utf16_pair_is_mended_not_garbled(writable_store):
    """A lone surrogate escaped in the JSON body: before, the whole record was re-encoded and read
    back as cp1250 ("t\u00ed\u017c\u017c")."""
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS))
    body = b'{"pages": [{"id": "half", "title": "Storm \\udfff closes the harbour", "text": "The harbour ' \
           b'closed on Sunday as the storm arrived, port officials said, and ferries stayed in port."}]}'
    added = client.post("/api/pages", content=body, headers={"content-type": "application/json"})
    assert added.status_code == 201, added.text
    page = client.get("/api/pages/half").json()
    assert page["title"] == "Storm \ufffd closes the harbour"
    assert any("lone surrogate" in w for w in page["warnings"])


def test_a_port_out_of_range_is_a_usage_error(store, capsys):
    from storyline.cli import main
    with pytest.raises(SystemExit) as ended:
        main(["serve", "--db", str(store), "--port", "70000"])
    assert ended.value.code == 2 and "out of range" in capsys.readouterr().err


def test_openapi_document_lists_the_api(client):
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {"/api/stories", "/api/stories/{id}", "/api/storylines/{id}", "/api/pages/{id}", "/api/pages"} \
        <= set(document["paths"])
    assert "post" in document["paths"]["/api/pages"]


def test_an_id_ending_in_json_is_served_as_itself_in_html_and_json(writable_store):
    """A page id may end in .json (JSONL ids are anyone's strings). /pages/ID is that page as HTML
    whenever ID is stored: a .json suffix asks for JSON only when the id with it is no page.
    /api/... never strips a suffix. Before, /pages/x.json was page x's JSON (page x.json could not
    be opened as HTML at all) and /api/pages/x.json answered page x."""
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS, report_wait=120))
    added = client.post("/api/pages", json={"pages": [
        {"id": "x", "title": "Bridge opens in Eastport",
         "text": "The new bridge in Eastport opened on Monday after five years of work, the mayor said, and traffic flowed."},
        {"id": "x.json", "title": "Dam closes in Westfield",
         "text": "A dam in Westfield closed on Friday for repairs, engineers said, and farmers were told to store water."}]})
    assert added.status_code == 201
    shown = client.get("/pages/x.json")
    assert shown.status_code == 200 and shown.headers["content-type"].startswith("text/html")
    assert "Dam closes in Westfield" in shown.text and "Bridge opens" not in shown.text
    assert "Bridge opens in Eastport" in client.get("/pages/x").text
    for url, headers in (("/api/pages/x.json", {}), ("/pages/x.json", {"accept": "application/json"}),
                         ("/pages/x.json.json", {})):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200 and answer.json()["id"] == "x.json", url
    assert client.get("/api/pages/x").json()["id"] == "x"
    # An id that is no page: the suffix asks for JSON, as before.
    missing = client.get("/pages/nope.json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    sid = added.json()["pages"][1]["story"]
    assert client.get(f"/stories/{sid}.json").json()["id"] == sid
    assert client.get(f"/api/stories/{sid}.json").status_code == 404  # no story has that id


def test_a_search_of_only_fts_syntax_matches_nothing_not_everything(client):
    """A lone double quote (or another character FTS5 reads as syntax) is no word: before, '"'
    matched every story. Quotes around words still find the words."""
    for odd in ('"', '""', '" "', '*', '(', '-', '^', 'NEAR('):
        answer = client.get("/api/stories", params={"q": odd})
        assert answer.status_code == 200 and answer.json()["total"] == 0, odd
        assert "No story matches" in client.get("/", params={"q": odd}).text, odd
    assert client.get("/api/stories", params={"q": '"Lavrov arrives"'}).json()["total"] == 1
    assert client.get("/api/stories", params={"q": 'Lavrov "arrives'}).json()["total"] == 1


def test_a_list_page_past_the_end_is_a_404_that_says_so(client):
    """Before, ?page=999 was a 200 with no stories; page 1 of an empty list stays a 200."""
    answer = client.get("/api/stories", params={"page": 999})
    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "not_found" and "page 999" in error["message"] and "1 page" in error["message"]
    page = client.get("/", params={"page": 999})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"] and "page 999" in page.text
    assert client.get("/api/stories", params={"per_page": 1, "page": 2}).status_code == 200  # the last page
    assert client.get("/api/stories", params={"per_page": 1, "page": 3}).status_code == 404
    empty = client.get("/api/stories", params={"q": "zebra"})
    assert empty.status_code == 200 and empty.json()["total"] == 0 and empty.json()["pages"] == 1
    assert client.get("/", params={"q": "zebra"}).status_code == 200
    assert client.get("/api/stories", params={"q": "zebra", "page": 2}).status_code == 404


def test_a_story_page_lists_its_pages_a_page_at_a_time(writable_store):
    """A story of 31 pages shows 25 (the story list's page size), with a link to the rest and the
    total; ?page= and ?per_page= as on the story list. Before, every page was in one answer."""
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS, report_wait=120))
    text = ("The harbour of Portmore closed on Sunday as the storm arrived, port officials said, and ferries stayed "
            "in port while crews tied down cranes. The coast guard warned boats to keep away until Tuesday.")
    added = client.post("/api/pages", json={"pages": [
        {"id": f"copy-{i:02}", "url": f"https://site{i}.example/harbour", "title": "Storm closes Portmore harbour",
         "text": text} for i in range(31)]})
    assert added.status_code == 201
    sid = added.json()["pages"][0]["story"]
    assert {p["story"] for p in added.json()["pages"]} == {sid}
    first = client.get(f"/api/stories/{sid}").json()
    assert len(first["members"]) == 25
    assert first["paging"] == {"total": 31, "page": 1, "per_page": 25, "pages": 2, "next_page": 2,
                               "previous_page": None}
    second = client.get(f"/api/stories/{sid}", params={"page": 2}).json()
    assert len(second["members"]) == 6 and second["paging"]["previous_page"] == 1
    assert second["paging"]["next_page"] is None
    assert {m["id"] for m in first["members"] + second["members"]} == {f"copy-{i:02}" for i in range(31)}
    html = client.get(f"/stories/{sid}").text
    sources = re.search(r'<table class="sources">.*?</table>', html, re.S).group(0)
    assert sources.count("<tr class=") == 25 and "Pages 1–25 of 31" in html
    following = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert following == f"/stories/{sid}?page=2"
    later = client.get(following).text
    assert '<a rel="prev"' in later and "26–31 of 31" in later
    small = client.get(f"/api/stories/{sid}", params={"per_page": 10, "page": 4}).json()
    assert len(small["members"]) == 1 and small["paging"]["pages"] == 4
    assert client.get(f"/api/stories/{sid}", params={"page": 5, "per_page": 10}).status_code == 404
    assert client.get(f"/api/stories/{sid}", params={"per_page": 1000}).status_code == 400


def test_a_page_json_carries_its_text_once(client):
    """The text is `text` (as `pages --json`); before, it came twice, again split as `paragraphs`."""
    story = _visit_story(client)
    answer = client.get(f"/api/pages/{story['members'][0]['id']}")
    page = answer.json()
    assert "paragraphs" not in page and page["text"]
    last = page["text"].split("\n\n")[-1][-60:]
    assert answer.text.count(json.dumps(last)[1:-1]) == 1
    html = client.get(f"/pages/{page['id']}").text
    for paragraph in page["text"].split("\n\n"):
        assert f"<p>{_escaped(paragraph)}</p>" in html


def test_a_report_not_built_yet_never_holds_the_page_up(seed_dir, tmp_path):
    db = tmp_path / "r.db"
    with Storyline(db) as sl:
        sl.run([seed_dir], reports=False)
    impatient = starlette_testclient.TestClient(create_app(db, allowed_hosts=HOSTS, report_wait=0))
    sid = max(impatient.get("/api/stories").json()["stories"], key=lambda s: s["page_count"])["id"]
    first = impatient.get(f"/api/stories/{sid}").json()
    assert first["report_pending"] is True and first["report"] is None and len(first["members"]) == 4
    pending = impatient.get(f"/stories/{sid}")
    # the page says so and reloads itself (no script: a meta refresh the CSP allows); API clients get Retry-After
    assert "being built" in pending.text and '<meta http-equiv="refresh"' in pending.text
    assert pending.headers["retry-after"] and impatient.get(f"/api/stories/{sid}").headers["retry-after"]
    patient = starlette_testclient.TestClient(create_app(db, allowed_hosts=HOSTS, report_wait=120))
    later = patient.get(f"/api/stories/{sid}")
    assert later.json()["report_pending"] is False and later.json()["report"]["timeline"]
    assert "retry-after" not in later.headers
    shown = patient.get(f"/stories/{sid}")
    assert "being built" not in shown.text and 'http-equiv="refresh"' not in shown.text


def test_page_ids_of_any_characters_are_served_and_linked(writable_store):
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS, report_wait=120))
    odd = "bbc/2010?x=1#frag%20 é"
    added = client.post("/api/pages", json={"pages": [
        {"id": odd, "title": "Storm closes the harbour", "text": "The harbour closed on Sunday as the storm arrived, "
                                                                 "port officials said, and ferries stayed in port."}]})
    assert added.json()["pages"][0]["id"] == odd
    quoted = quote(odd, safe="")
    assert client.get(f"/api/pages/{quoted}").json()["id"] == odd
    assert client.get(f"/pages/{quoted}").status_code == 200
    assert client.get(f"/pages/{quoted}.json").json()["id"] == odd
    story = added.json()["pages"][0]["story"]
    assert f'href="/pages/{quoted}"' in client.get(f"/stories/{story}").text


def test_a_report_that_cannot_be_built_leaves_the_page_standing(seed_dir, tmp_path, monkeypatch):
    from storyline.web import views
    db = tmp_path / "r.db"
    with Storyline(db) as sl:
        sl.run([seed_dir], reports=False)

    def unwritable(self, story_or_line):  # what the builder process meets on a store it may not write
        raise OSError("attempt to write a readonly database")
    monkeypatch.setattr(views.Reader, "_build_in_child", unwritable)
    client = starlette_testclient.TestClient(create_app(db, allowed_hosts=HOSTS, report_wait=30))
    sid = client.get("/api/stories").json()["stories"][0]["id"]
    story = client.get(f"/api/stories/{sid}")
    assert story.status_code == 200 and story.json()["report"] is None
    assert "could not be built" in story.json()["report_error"] and story.json()["members"]
    assert "could not be built" in client.get(f"/stories/{sid}").text


def test_storing_a_report_does_not_make_the_story_list_stale(store, tmp_path):
    with Storyline(store, read_only=True) as sl:
        before = sl.store.generation()
    with Storyline(store) as sl:  # opening a writer (as a report built on view does) changes nothing
        sl.report(sl.stories()[0]["id"])
    with Storyline(store, read_only=True) as sl:
        assert sl.store.generation() == before


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                kids = []
            found.update(kids)
            todo += kids
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_the_report_builder_process_ends_with_a_server_killed_outright(seed_dir, tmp_path):
    import signal
    import time

    from .web_server import Server

    db = tmp_path / "k.db"
    with Storyline(db) as sl:
        sl.run([seed_dir], reports=False)
    server = Server(db, tmp_path / "serve.log").start()
    try:
        sid = max(httpx.get(server.url + "/api/stories").json()["stories"], key=lambda s: s["page_count"])["id"]
        httpx.get(f"{server.url}/api/stories/{sid}", timeout=30)  # starts the builder (a child process, niced)
        builders = _descendants(server.process.pid)
        assert builders
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in builders):
            time.sleep(0.2)
        left = [pid for pid in builders if Path(f"/proc/{pid}").exists()
                and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]]
        assert left == []  # no builder left behind, still holding the store and its memory
    finally:
        server.stop()


def test_the_server_starts_its_report_builder_and_upload_workers_with_the_ner_model(store):
    """`storyline serve` in its own interpreter, with uvicorn replaced by a probe: a process the
    server starts later (the report builder, an upload's worker) must already hold the NER model,
    even when a report is built before any upload. Without it each upload loaded the model anew."""
    probe = f"""
import sys
import uvicorn
from storyline.cli import main

def probe(app, **kwargs):
    from storyline.run.workers import ProcessPool
    loaded = "__import__('storyline.cluster.ner', fromlist=['ner']).load_nlp.cache_info().currsize == 1"
    with ProcessPool(1) as pool:  # as the report builder starts
        print("model loaded in the new process:", pool.submit(eval, loaded).result())

uvicorn.run = probe
sys.exit(main(["serve", "--db", {str(store)!r}]))
"""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "model loaded in the new process: True" in done.stdout, done.stdout + done.stderr[-2000:]


def test_a_storyline_id_that_a_rebuild_made_go_redirects_to_the_storyline_that_took_its_stories(writable_store):
    from storyline import load_config
    with Storyline(writable_store, load_config(storyline_similarity=0.99, storyline_start_similarity=0.99,
                                               storyline_merge_similarity=1.0)) as sl:
        sl.rebuild("storylines")  # each story its own storyline
        alone = {line["id"]: line["stories"] for line in sl.storylines()}
    with Storyline(writable_store) as sl:
        sl.rebuild("storylines")  # back to one thread
        (line,) = sl.storylines()
    (gone,) = set(alone) - {line["id"]}
    client = starlette_testclient.TestClient(create_app(writable_store, allowed_hosts=HOSTS, report_wait=120))
    page = client.get(f"/storylines/{gone}", follow_redirects=False)
    assert page.status_code == 301 and page.headers["location"] == f"/storylines/{line['id']}"
    assert line["name"] in client.get(f"/storylines/{gone}").text
    api = client.get(f"/api/storylines/{gone}").json()
    assert api["id"] == line["id"] and set(alone[gone]) <= set(api["stories"])
    assert client.get("/storylines/l-000000000000").status_code == 404
