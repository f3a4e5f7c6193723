"""`storyline serve`: the web reader and its JSON API, one view for both.

Every page is a view (views.py) rendered as HTML, or as JSON when the request asks for it
(`Accept: application/json`, or a `.json` suffix on the path, but never one that is part of a
stored id: see `_named`); `/api/...` is always JSON. Errors
have one shape: `{"error": {"status", "code", "message"}}` (an HTML page says the same).

Reads run in Starlette's thread pool, each thread on its own read-only connection; uploads run
the pipeline one at a time through a writable store, as `storyline run` would.
"""
from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..api import Storyline
from ..errors import StorylineError
from ..schema import published_text
from . import charts
from .openapi import openapi_document
from .security import CSRF_COOKIE, TOKEN_HEADER, BodyTooLarge, Csrf, Guard, served_names
from .uploads import UploadError, form_parts, from_form, from_json, outcome
from .views import (PENDING_REFRESH, PER_PAGE, REPORT_WAIT, BadRequest, ListQuery, PastTheEnd, Reader, diff_view,
                    page_params, page_view, paragraphs, story_list, story_view, storyline_view)

log = logging.getLogger(__name__)
MAX_BODY = 25_000_000  # bytes per request: a few pages or one WARC of modest size
STATIC = Path(__file__).parent / "static"


class WebError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _templates() -> Environment:
    env = Environment(loader=PackageLoader("storyline.web", "templates"),
                      autoescape=select_autoescape(["html", "svg"], default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["version"] = __version__

    def link(path: str, params: dict | None = None) -> str:
        return path + ("?" + urlencode(params) if params else "")

    env.globals["link"] = link
    env.filters["when"] = lambda published, claimed=None: published_text(published, claimed, sep=" … ")
    env.filters["u"] = lambda ident: quote(str(ident), safe="")  # ids are anyone's strings: '/', '?', '#'
    env.filters["web_url"] = lambda url: url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None
    env.filters["pct"] = lambda share: f"{round((share or 0) * 100)}%"
    return env


def wants_json(request: Request) -> bool:
    path = request.url.path
    suffix = getattr(request.state, "json_suffix", None)  # decided by `_named` on the routes of an id
    if path.startswith("/api/") or (path.endswith(".json") if suffix is None else suffix):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _named(request: Request, given: str, stored) -> str:
    """The id a story, storyline or page path names, `stored(id)` saying whether an id is stored.

    Ids are anyone's strings, so one may end in `.json`. The rule: a stored id is always itself.
    `/pages/ID` is the page ID (HTML, or JSON when Accept asks) whenever ID is stored, even if it
    ends in `.json`; only when it is not does a `.json` suffix ask for JSON of the id without it
    (`/pages/ID.json`, the usual case). `/api/...` never strips a suffix. So every stored id is
    HTML at /pages/ID, and JSON at /api/pages/ID (and at /pages/ID.json unless that is an id too)."""
    if request.url.path.startswith("/api/") or not given.endswith(".json") or stored(given):
        request.state.json_suffix = False
        return given
    request.state.json_suffix = True
    return given[:-5]


def create_app(db: str | Path, *, host: str = "127.0.0.1", token: str | None = None,
               allowed_hosts: list[str] | None = None, config=None, max_body: int = MAX_BODY,
               csrf_secret: bytes | None = None, report_wait: float = REPORT_WAIT) -> Guard:
    """The ASGI app for the store at `db`. `token`: required on every write (header
    X-Storyline-Token, `Authorization: Bearer`, or the form's `token` field) when given."""
    if not Path(db).exists():
        raise StorylineError(f"no store at {db}: run `storyline run --db {db} INPUT...` first")
    config = config or _config()
    # A file that is no store (empty, another format, a folder) is the user's error now, at start,
    # not a 500 on every request after.
    Storyline(db, config, read_only=True).close()
    reader = Reader(db, config, report_wait=report_wait)
    env = _templates()
    csrf = Csrf(csrf_secret)

    def render(request: Request, template: str, data: dict, status: int = 200, **extra) -> Response:
        if wants_json(request):
            headers = {"Vary": "Accept"} | ({"Retry-After": str(PENDING_REFRESH)} if data.get("report_pending") else {})
            return JSONResponse(data, status_code=status, headers=headers)
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = None if cookie and csrf.valid(cookie, cookie) else csrf.new()
        html = env.get_template(template).render(data=data, csrf_token=fresh or cookie, path=request.url.path,
                                                 needs_token=token is not None, refresh=PENDING_REFRESH, **extra)
        response = HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})
        if data.get("report_pending"):  # the page reloads itself (see base.html); API clients ask again
            response.headers["Retry-After"] = str(PENDING_REFRESH)
        if fresh:
            response.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="strict")
        return response

    def error(request: Request, status: int, code: str, message: str, headers: dict | None = None) -> Response:
        body = {"error": {"status": status, "code": code, "message": message}}
        if wants_json(request) or request.method == "POST" and request.url.path.startswith("/api/"):
            response = JSONResponse(body, status_code=status, headers={"Vary": "Accept"})
        else:
            response = render(request, "error.html", body, status=status)
        response.headers.update(headers or {})  # a 405's Allow
        return response

    def not_found(request: Request, what: str, ident: str) -> Response:
        return error(request, 404, "not_found", f"no {what} {ident[:100]!r} in this store")

    # Reads ------------------------------------------------------------------------------------
    def stories(request: Request) -> Response:
        query = ListQuery.from_params(request.query_params)
        return render(request, "stories.html", story_list(reader, query), query=query)

    def story(request: Request) -> Response:
        sid = _named(request, request.path_params["sid"], lambda i: reader.storyline().store.resolve_story(i) is not None)
        page, per_page = page_params(request.query_params)
        data = story_view(reader, sid, page, per_page)
        if data is None:
            return not_found(request, "story", sid)
        if data["id"] != sid and not wants_json(request):  # a merged story's old id
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/stories/{quote(data['id'], safe='')}{query}", status_code=301)

        def page_link(number: int, suffix: str = "") -> str:  # page 1 and the usual size left out, as on the list
            params = ({"page": number} if number > 1 else {}) | ({"per_page": per_page} if per_page != PER_PAGE else {})
            return f"/stories/{quote(data['id'], safe='')}{suffix}" + (f"?{urlencode(params)}" if params else "")
        return render(request, "story.html", data, timeline=charts.timeline_chart((data["report"] or {}).get("timeline", [])),
                      graph=charts.provenance_graph(data["members"]), page_link=page_link)

    def storyline(request: Request) -> Response:
        lid = _named(request, request.path_params["lid"], lambda i: reader.storyline().store.resolve_storyline(i) is not None)
        data = storyline_view(reader, lid)
        if data is None:
            return not_found(request, "storyline", lid)
        if data["id"] != lid and not wants_json(request):  # the id of a storyline that merged or was rebuilt
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/storylines/{quote(data['id'], safe='')}{query}", status_code=301)
        return render(request, "storyline.html", data,
                      timeline=charts.timeline_chart((data["report"] or {}).get("timeline", [])))

    def page(request: Request) -> Response:
        given = _raw_param(request, "pages/") or request.path_params["pid"]
        pid = _named(request, given, reader.storyline().store.has_page)
        data = page_view(reader, pid)
        if data is None:
            return not_found(request, "page", pid)
        return render(request, "page.html", data, paragraphs=paragraphs(data.get("text")),
                      show_removed=request.query_params.get("removed") in ("1", "yes"))

    def diff(request: Request) -> Response:
        a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
        if not a or not b:
            raise BadRequest("give two page ids: ?a=PAGE_ID&b=PAGE_ID")
        data = diff_view(reader, a, b)
        if data is None:
            return not_found(request, "page", a if reader.storyline().page(a) is None else b)
        return render(request, "diff.html", data)

    def add_form(request: Request) -> Response:
        return render(request, "add.html", {})

    def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(__version__))

    # Writes -----------------------------------------------------------------------------------
    def check_write(request: Request, form=None) -> None:
        """A write must come from this reader's own form, or from a client no page can imitate."""
        if token is not None:
            given = request.headers.get(TOKEN_HEADER) or _bearer(request) or (form.get("token") if form else None)
            # As bytes: compare_digest refuses non-ASCII strings (a TypeError, a 500) and the
            # token given may be anything a client sends.
            if not isinstance(given, str) or not secrets.compare_digest(given.encode("utf-8", "surrogatepass"),
                                                                        token.encode("utf-8", "surrogatepass")):
                raise WebError(401, "token_required", "this server needs its write token for this request "
                                                      "(header X-Storyline-Token, or the form's token field)")
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json") or request.headers.get("x-requested-with"):
            return  # a page elsewhere cannot send these without a CORS preflight, which is never granted
        submitted = request.headers.get("x-csrf-token") or (form.get("csrf_token") if form else None)
        if not csrf.valid(request.cookies.get(CSRF_COOKIE), submitted if isinstance(submitted, str) else None):
            raise WebError(403, "csrf", "this form has expired or came from another site: reload the page and "
                                        "send it again")

    async def run_upload(upload) -> dict:
        def work() -> dict:
            with reader.write_lock:
                writer = reader.writer()
                try:
                    before = {r.id for r in upload.records if writer.store.has_page(r.id)}
                    summary = writer.add(upload.records)
                    result = outcome(upload, summary, before)
                    for item in result["pages"]:
                        found = writer.store.page(item["id"]) if item["status"] != "skipped" else None
                        item["story"] = found.get("story") if found else None
                    return result
                finally:
                    writer.close()
        return await run_in_threadpool(work)

    async def add_pages_form(request: Request) -> Response:
        form = await request.form(max_files=60, max_fields=50, max_part_size=MAX_BODY)
        check_write(request, form)
        files, fields = await form_parts(form)
        result = await run_upload(await run_in_threadpool(from_form, files, fields, reader.config))
        return render(request, "added.html", result)

    async def api_add_pages(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            check_write(request)
            upload = await run_in_threadpool(from_json, await request.body(), reader.config)
        elif content_type.startswith("multipart/form-data"):
            form = await request.form(max_files=60, max_fields=50, max_part_size=MAX_BODY)
            check_write(request, form)
            files, fields = await form_parts(form)
            upload = await run_in_threadpool(from_form, files, fields, reader.config)
        else:
            raise WebError(415, "unsupported_media_type", "send application/json or multipart/form-data")
        result = await run_upload(upload)
        status = 201 if any(p["status"] == "ok" for p in result["pages"]) else 200
        return JSONResponse(result, status_code=status)

    # Errors -----------------------------------------------------------------------------------
    async def on_http(request: Request, exc: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error(request, exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    async def on_bad_request(request: Request, exc: Exception) -> Response:
        return error(request, 400, "bad_request", str(exc))

    async def on_past_the_end(request: Request, exc: PastTheEnd) -> Response:
        return error(request, 404, "not_found", str(exc))

    async def on_web_error(request: Request, exc: WebError) -> Response:
        return error(request, exc.status, exc.code, exc.message)

    async def on_too_large(request: Request, exc: BodyTooLarge) -> Response:
        return error(request, 413, "too_large", str(exc))

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        return error(request, 500, "internal_error", "the server failed on this request; its log says why")

    routes = [
        Route("/", stories), Route("/stories", stories), Route("/stories.json", stories),
        Route("/stories/{sid}", story), Route("/storylines/{lid}", storyline), Route("/pages/{pid:path}", page),
        Route("/diff", diff), Route("/diff.json", diff),
        Route("/add", add_form, methods=["GET"]), Route("/add", add_pages_form, methods=["POST"]),
        Route("/api/stories", stories), Route("/api/stories/{sid}", story),
        Route("/api/storylines/{lid}", storyline), Route("/api/pages/{pid:path}", page, methods=["GET"]),
        Route("/api/pages", api_add_pages, methods=["POST"]), Route("/api/diff", diff),
        Route("/api/openapi.json", openapi),
        Route("/favicon.ico", lambda request: Response(status_code=204)),  # none: browsers ask anyway
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    @asynccontextmanager
    async def lifespan(app):
        yield
        reader.close()  # the report builder's process goes with the server

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        HTTPException: on_http, BadRequest: on_bad_request, PastTheEnd: on_past_the_end, UploadError: on_bad_request, WebError: on_web_error,
        BodyTooLarge: on_too_large, Exception: on_crash})
    return Guard(app, names=served_names(host, allowed_hosts), max_body=max_body)


def _raw_param(request: Request, after: str) -> str | None:
    """The rest of the path after `after`, decoded once from the raw path: a page id may hold '/',
    '%' or anything else (JSONL ids are anyone's strings), which decoding twice would change."""
    raw = request.scope.get("raw_path")
    if not raw:
        return None
    path = raw.decode("latin-1").split("?", 1)[0]
    at = path.find("/" + after)
    return unquote(path[at + len(after) + 1:], encoding="utf-8", errors="replace") if at >= 0 else None


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    return value[7:].strip() if value.lower().startswith("bearer ") else None


def _config():
    from ..config import load_config
    return load_config()
