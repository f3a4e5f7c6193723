"""Pages nested deeper than the HTML parser goes.

libxml2 (under lxml and trafilatura) stops parsing at 256 levels of nesting: everything after
the first element that deep is dropped without an error, so an article wrapped in 300 <div>s
comes out as an empty page. Such a tree is told cheaply (its last element sits at the limit),
and the page is then flattened and parsed again: generic wrappers (div, span, ...) past the
first hundred on a path are dropped, and any element past 200 levels, so the article's own
elements (article, h1, p) stay. One linear pass over the tags; nothing recursive.
"""
from __future__ import annotations

import re
from collections import Counter

# libxml2's limit (xmlParserMaxDepth, without XML_PARSE_HUGE), counting html and body.
PARSER_MAX_DEPTH = 256
MAX_DEPTH = 200
MAX_WRAPPERS = 100

_WRAPPERS = frozenset("div span section font center b i u em strong small big s tt nobr".split())
_BLOCKS = frozenset("address article aside blockquote dd div dl dt figcaption figure footer form h1 h2 h3 h4 "
                    "h5 h6 header li main nav ol p pre section table tbody td tfoot th thead tr ul center".split())
_VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
# An element of these names closes an open one of the same name (<p>a<p>b, <li>a<li>b).
_SIBLINGS = frozenset("p li dt dd option tr td th".split())
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|textarea|title)\b[^<>]*>.*?(?:</\1\s*>|\Z)"
    r"|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)([^<>]*?)\s*>",
    re.S | re.I)


def cut_by_depth(tree) -> bool:
    """Whether the parser stopped at its nesting limit: it keeps the document up to the first
    element that deep, so that element is the last one. O(depth)."""
    depth, element = 1, tree
    while len(element):
        element = element[-1]
        depth += 1
    return depth >= PARSER_MAX_DEPTH - 2


def flatten(html: str, max_depth: int = MAX_DEPTH, max_wrappers: int = MAX_WRAPPERS) -> tuple[str, int]:
    """`html` with its nesting cut to `max_depth` levels and `max_wrappers` generic wrappers
    (a dropped block element leaves a <br>, so its text stays a line of its own); returns the
    HTML and the deepest nesting seen."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (name, kept) of each open element
    open_names: Counter[str] = Counter()
    depth = wrappers = deepest = 0
    pos, separated = 0, False
    for match in _TOKEN.finditer(html):
        start, pos_next = match.span()
        if start > pos:
            text = html[pos:start]
            out.append(text)
            if separated and text.strip():
                separated = False
        pos = pos_next
        name = match.group(3)
        if name is None:  # a comment, or a script, style, textarea or title with its content
            out.append(match.group())
            continue
        name = name.lower()
        if match.group(2):  # a closing tag
            if not open_names[name]:
                out.append(match.group())  # closes nothing: the parser ignores it
                continue
            while True:  # the elements still open inside it close with it
                popped, kept = stack.pop()
                open_names[popped] -= 1
                if kept:
                    depth -= 1
                    if popped in _WRAPPERS:
                        wrappers -= 1
                if popped == name:
                    break
            if kept:
                out.append(match.group())
                separated = False
            elif not separated and name in _BLOCKS:
                out.append("<br>")
                separated = True
            continue
        if name in _VOID or match.group(4).endswith("/"):
            out.append(match.group())
            separated = separated and name == "br"
            continue
        if name in _SIBLINGS and stack and stack[-1][0] == name:
            popped, kept = stack.pop()  # <p>a<p>b: the second closes the first
            open_names[popped] -= 1
            depth -= kept
        wrapper = name in _WRAPPERS
        kept = depth < max_depth and not (wrapper and wrappers >= max_wrappers)
        stack.append((name, kept))
        open_names[name] += 1
        if len(stack) > deepest:
            deepest = len(stack)
        if kept:
            depth += 1
            wrappers += wrapper
            out.append(match.group())
            separated = False
        elif not separated and name in _BLOCKS:
            out.append("<br>")
            separated = True
    out.append(html[pos:])
    return "".join(out), deepest
