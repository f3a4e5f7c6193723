"""The layout the engine rests on: stages never touch the store, and no module imports itself back.

Stages (read, extract, dedup, cluster, forensics) are functions of records; only run/ and
store/ touch SQLite, so the same stage code serves `storyline run`, a batch driver and a
Dask partition. An import cycle would tie modules that must stay separable.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "storyline"
STAGES = ("read", "extract", "dedup", "cluster", "forensics")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """The storyline modules a module imports, anywhere in it (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("storyline"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("storyline"):
                continue
            for alias in node.names:  # `from . import x` may name a module
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_no_stage_imports_the_store_or_the_run_loop():
    offenders = []
    for name, path in MODULES.items():
        if name.split(".")[1:2] and name.split(".")[1] in STAGES:
            bad = sorted(m for m in GRAPH[name] if m.split(".")[1:2] in (["store"], ["run"], ["api"], ["cli"]))
            if bad or "sqlite3" in path.read_text(encoding="utf-8"):
                offenders.append((name, bad or ["sqlite3"]))
    assert offenders == []


def test_the_store_imports_no_stage():
    offenders = [(name, sorted(m for m in GRAPH[name] if m.split(".")[1] in STAGES))
                 for name in MODULES if name.startswith("storyline.store")]
    assert [o for o in offenders if o[1]] == []


def test_no_import_cycle():
    # Tarjan's strongly connected components over the import graph.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert cycles == []
