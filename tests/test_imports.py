"""The import rules, read from the source: no import circle (function-level and type-checking
imports included, since a lazy import only hides a circle), and stages import only earlier
stages (ingest ← index ← chat ← eval, so nothing imports ``eval``)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "index", "chat", "eval")


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            parts = list(f.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = f
    return out


def imported(name: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Every dotted name an import statement may load (``from a import b`` may load ``a.b``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = name.split(".")
    if node.level:
        base = base if path.name == "__init__.py" else base[:-1]
        base = base[: len(base) - node.level + 1]
        prefix = ".".join([*base, *([node.module] if node.module else [])])
    else:
        prefix = node.module or ""
    return [prefix, *(f"{prefix}.{a.name}" for a in node.names)]


def graph() -> dict[str, set[str]]:
    """Module → project modules it imports anywhere in its body (a package's own parent
    ``__init__`` runs first anyway, so that implicit edge is not counted)."""
    mods = modules()
    edges: dict[str, set[str]] = {}
    for name, path in mods.items():
        edges[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for dotted in imported(name, path, node):
                parts = dotted.split(".")
                for i in range(len(parts), 0, -1):  # the longest prefix that is a module
                    target = ".".join(parts[:i])
                    if target in mods:
                        if target != name:
                            edges[name].add(target)
                        break
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_lazy_imports() -> None:
    edges = graph()
    assert "chat.app" in edges["chat.__main__"]  # ``cmd_serve`` imports it inside the function
    assert "index" in edges["chat.__main__"]


def test_no_import_circle() -> None:
    assert cycles(graph()) == []


def test_a_circle_is_found() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_stages_import_only_earlier_stages() -> None:
    """ingest ← index ← chat ← eval: a stage never imports a later one."""
    order = {pkg: i for i, pkg in enumerate(PACKAGES)}
    upward = {
        (m, t)
        for m, targets in graph().items()
        for t in targets
        if order[t.split(".")[0]] > order[m.split(".")[0]]
    }
    assert upward == set()
