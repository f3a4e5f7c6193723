"""Layouts for the two drawings of a story page, computed on the server: the timeline (each
event at its own date, a day as a dot, a month or a year as a bar) and the provenance graph
(which page copies, updates or retells which). They return coordinates and labels; the
templates draw them as inline SVG, escaping every label, and nothing is loaded from outside.
"""
from __future__ import annotations

import calendar
from datetime import date

WIDTH = 900
LABEL_CHARS = 90
CHAR_PX = 7.5  # a generous average width of a character at 12 px: labels are cut to fit their room
MAX_EVENTS, MAX_NODES = 60, 150  # beyond these a drawing stops being readable; the lists show all


def _span(when: str) -> tuple[date, date] | None:
    """The days a YYYY, YYYY-MM or YYYY-MM-DD date covers."""
    try:
        parts = [int(p) for p in when.split("-")]
        if len(parts) == 1:
            return date(parts[0], 1, 1), date(parts[0], 12, 31)
        if len(parts) == 2:
            return date(parts[0], parts[1], 1), date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        day = date(*parts)
        return day, day
    except (ValueError, TypeError):
        return None


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def timeline_chart(events: list[dict]) -> dict | None:
    """{width, height, axis: [{x, label}], rows: [{x, y, width, point, date, label, sources}]}."""
    dated = [(e, s) for e in events[:MAX_EVENTS] if (s := _span(e.get("date") or ""))]
    if not dated:
        return None
    first = min(s[0] for _, s in dated).toordinal()
    last = max(s[1] for _, s in dated).toordinal()
    left, right = 20, WIDTH - 20
    scale = (right - left) / max(last - first + 1, 1)
    rows = []
    for i, (event, (start, end)) in enumerate(sorted(dated, key=lambda d: (d[1][0], d[1][1]))):
        x = left + (start.toordinal() - first) * scale
        width = max((end.toordinal() - start.toordinal() + 1) * scale, 4.0)
        if start == end:  # a dot is drawn at the day's middle, not across the whole day's width
            x, width = x + min(width, scale) / 2, 0.0
        # The label goes on the side with more room, cut to fit it (the full text is in the tooltip).
        room_left, room_right = x - 8 - 2, WIDTH - (x + width + 8) - 2
        on_left = room_left > room_right
        room = room_left if on_left else room_right
        label = f"{event['date']} · {event.get('text') or ''}"
        rows.append({"x": round(x, 1), "y": 40 + i * 24, "width": round(width, 1), "point": start == end,
                     "date": event["date"], "text": _short(event.get("text") or "", 300),
                     "label": _short(label, max(int(room / CHAR_PX), 12)),
                     "sources": len(event.get("sources") or []), "anchor": "end" if on_left else "start",
                     "label_x": round(x - 8 if on_left else x + width + 8, 1)})
    return {"width": WIDTH, "height": 40 + len(rows) * 24 + 10, "axis": _axis(first, last, left, scale),
            "rows": rows, "left_out": max(len(events) - MAX_EVENTS, 0)}


def _axis(first: int, last: int, left: float, scale: float) -> list[dict]:
    """Ticks at years, or at months when the span is under two years."""
    start, end = date.fromordinal(first), date.fromordinal(last)
    ticks = []
    if (end - start).days > 730:
        for year in range(start.year + (start > date(start.year, 1, 1)), end.year + 1):
            ticks.append((date(year, 1, 1), str(year)))
    else:
        year, month = start.year, start.month
        while date(year, month, 1) <= end:
            if date(year, month, 1) >= start:
                ticks.append((date(year, month, 1), f"{year}-{month:02d}"))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    step = max(1, len(ticks) // 12)  # at most about a dozen labels
    return [{"x": round(left + (day.toordinal() - first) * scale, 1), "label": label} for day, label in ticks[::step]]


NODE_W, NODE_H, GAP_X, GAP_Y = 210, 40, 50, 14
NODE_CHARS = int((NODE_W - 16) / CHAR_PX)


def provenance_graph(members: list[dict]) -> dict | None:
    """{width, height, nodes: [{id, x, y, site, role, day, farm}], edges: [{x1, y1, x2, y2, kind}]}:
    each page placed right of the page it copies or follows, originals at the left."""
    members = members[:MAX_NODES]
    ids = {m["id"] for m in members}
    children: dict[str | None, list[dict]] = {}
    for m in members:
        parent = m.get("duplicate_of") if m.get("duplicate_of") in ids else None
        children.setdefault(parent, []).append(m)
    if len(members) < 2:
        return None
    placed: dict[str, dict] = {}
    row = 0

    def place(member: dict, depth: int) -> None:
        nonlocal row
        if member["id"] in placed:
            return
        published = (member.get("published") or {}).get("value")
        placed[member["id"]] = {"id": member["id"], "x": 10 + depth * (NODE_W + GAP_X), "y": 10 + row * (NODE_H + GAP_Y),
                                "site": _short(member.get("site") or "", NODE_CHARS), "role": member["role"],
                                "day": published or "undated", "farm": member.get("is_content_farm", False)}
        row += 1
        for child in children.get(member["id"], []):
            place(child, depth + 1)

    for root in children.get(None, []):
        place(root, 0)
    for m in members:  # a cycle (should not happen) still shows every page
        place(m, 0)
    edges = []
    for m in members:
        parent = placed.get(m.get("duplicate_of") or "")
        if parent is None:
            continue
        child = placed[m["id"]]
        edges.append({"x1": parent["x"] + NODE_W, "y1": parent["y"] + NODE_H / 2, "x2": child["x"],
                      "y2": child["y"] + NODE_H / 2, "kind": "copy" if m["role"] == "copy" else "follows",
                      "label": m.get("relation") or ""})
    width = max(n["x"] for n in placed.values()) + NODE_W + 10
    height = max(n["y"] for n in placed.values()) + NODE_H + 10
    return {"width": width, "height": height, "nodes": list(placed.values()), "edges": edges,
            "node_w": NODE_W, "node_h": NODE_H}
