"""The OpenAPI document of the JSON API (served at /api/openapi.json), written out by hand:
the API is small, and each of its answers is the same view the HTML page shows."""
from __future__ import annotations

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["status", "code", "message"],
    "properties": {"status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}}}}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _answers(description: str, *errors: int) -> dict:
    out = {"200": {"description": description, "content": {"application/json": {"schema": {"type": "object"}}}}}
    for status in errors:
        out[str(status)] = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return out


LIST_PARAMS = [
    _query("q", "words that must all occur in a page's title or text, or in the story's entity names"),
    _query("sort", "date (newest first), size (most pages) or sources (most independent sources)",
           {"type": "string", "enum": ["date", "size", "sources"], "default": "date"}),
    _query("since", "a page estimated on or after this day", {"type": "string", "format": "date"}),
    _query("until", "a page estimated on or before this day", {"type": "string", "format": "date"}),
    _query("site", "a site name or host (apnews.com)"),
    _query("agency", "a wire agency (AP, Reuters)"),
    _query("min_farm", "least share of the story's pages that are content-farm copies",
           {"type": "number", "minimum": 0, "maximum": 1}),
    _query("max_farm", "largest share of content-farm copies", {"type": "number", "minimum": 0, "maximum": 1}),
    _query("misdated", "yes: stories with a misdated page; no: without", {"type": "string", "enum": ["yes", "no"]}),
    _query("storyline", "only the stories of this storyline"),
    _query("page", "page of the list, from 1; one past the last is a 404", {"type": "integer", "minimum": 1, "default": 1}),
    _query("per_page", "stories per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}),
]
MEMBER_PARAMS = [
    _query("page", "page of the story's pages (`members`), from 1; one past the last is a 404",
           {"type": "integer", "minimum": 1, "default": 1}),
    _query("per_page", "pages per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}),
]


def openapi_document(version: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "storyline", "version": version,
                 "description": "Stories, storylines and pages of a storyline store. Every HTML page of the "
                                "reader is also this JSON (Accept: application/json, or a .json suffix)."},
        "paths": {
            "/api/stories": {"get": {"summary": "The story list: search, filters, order, pagination",
                                     "parameters": LIST_PARAMS, "responses": _answers("a page of stories", 400, 404)}},
            "/api/stories/{id}": {"get": {"summary": "A story: its pages, provenance and report",
                                          "description": "`members`: a page of the story's pages (`per_page` of "
                                                         "them); `paging`: {total, page, per_page, pages, "
                                                         "next_page, previous_page}.",
                                          "parameters": [_path("id", "story id (a merged story's old id resolves)"),
                                                         *MEMBER_PARAMS],
                                          "responses": _answers("the story", 400, 404)}},
            "/api/storylines/{id}": {"get": {"summary": "A storyline: its stories in time order and its report",
                                             "parameters": [_path("id", "storyline id")],
                                             "responses": _answers("the storyline", 404)}},
            "/api/pages/{id}": {"get": {"summary": "A page: clean text, metadata, forensics, what was removed",
                                        "description": "The fields of `storyline pages --json`: the clean text once, "
                                                       "in `text` (paragraphs separated by a blank line); "
                                                       "`removed_lines`: the page furniture left out.",
                                        "parameters": [_path("id", "page id, as stored: a .json at its end is "
                                                                   "part of it")],
                                        "responses": _answers("the page", 404)}},
            "/api/diff": {"get": {"summary": "Two pages side by side, word by word, injected words marked",
                                  "parameters": [_query("a", "page id"), _query("b", "page id")],
                                  "responses": _answers("the diff", 400, 404)}},
            "/api/pages": {"post": {
                "summary": "Add pages: they go through the same pipeline and store as `storyline run`",
                "description": "JSON: {\"pages\": [{\"text\" or \"html\", \"title\"?, \"url\"?, \"date\"?, \"id\"?}]}; "
                               "or multipart/form-data with `files` (HTML, text, JSONL, WARC) and/or `text`, with a "
                               "header X-Requested-With. A server bound beyond loopback needs X-Storyline-Token.",
                "parameters": [{"name": "X-Storyline-Token", "in": "header", "required": False,
                                "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}},
                                            "multipart/form-data": {"schema": {"type": "object"}}}},
                "responses": {**_answers("nothing new was added (every page already stored or skipped)",
                                         400, 401, 403, 413, 415),
                              "201": {"description": "pages added: each page's id, status and story",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": {"Error": ERROR}},
    }
