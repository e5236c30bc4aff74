"""The shape of the code, checked from its source: the domain's folders and modules form
no import cycle, the domain never imports the API layer, and no module grows past a
bound (one concept per module).

Imports are read with ``ast`` (every ``import``/``from ... import`` anywhere in a file,
including those inside functions, which hide cycles from the interpreter but not from
the reader), so the check needs no database and imports nothing.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "procurement"

#: (importing unit, imported unit) -> where: "path:line"
Edges = dict[tuple[str, str], list[str]]


def _unit(path: Path) -> str | None:
    """The top-level folder or module of ``procurement/`` a file belongs to."""
    first = path.relative_to(DOMAIN).parts[0]
    unit = first.removesuffix(".py")
    return None if unit == "__init__" else unit


def _imported_modules(path: Path) -> list[tuple[str, int]]:
    """Absolute dotted names a file imports (relative imports resolved), with lines."""
    package = list(path.relative_to(ROOT).with_suffix("").parts)[:-1]
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # ``from procurement import x`` imports the submodule x
            out += [(f"{module}.{alias.name}", node.lineno) for alias in node.names]
    return out


def import_graph() -> Edges:
    edges: Edges = defaultdict(list)
    for path in sorted(DOMAIN.rglob("*.py")):
        source = _unit(path)
        if source is None:
            continue
        for name, line in _imported_modules(path):
            parts = name.split(".")
            if parts[0] != "procurement" or len(parts) < 2:
                continue
            target = parts[1]
            if target != source and (
                (DOMAIN / target).is_dir() or (DOMAIN / f"{target}.py").is_file()
            ):
                edges[(source, target)].append(f"{path.relative_to(ROOT)}:{line}")
    return edges


def find_cycle(edges: Edges) -> list[str] | None:
    """One cycle of units (first unit repeated at the end), or None."""
    succ: dict[str, list[str]] = defaultdict(list)
    for a, b in sorted(edges):
        succ[a].append(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(u: str) -> list[str] | None:
        state[u] = 1
        stack.append(u)
        for w in succ[u]:
            if state.get(w) == 1:
                return [*stack[stack.index(w) :], w]
            if w not in state and (found := visit(w)):
                return found
        stack.pop()
        state[u] = 2
        return None

    for u in sorted(succ):
        if u not in state and (found := visit(u)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The check below can fail: a planted back edge is reported as a cycle."""
    edges: Edges = {("a", "b"): ["x"], ("b", "c"): ["y"], ("c", "a"): ["z"], ("a", "d"): ["w"]}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({("a", "b"): ["x"], ("a", "c"): ["y"], ("b", "c"): ["z"]}) is None


def test_the_graph_sees_package_level_imports() -> None:
    path = DOMAIN / "sourcing" / "__init__.py"
    names = {name for name, _ in _imported_modules(path)}
    assert "procurement.sourcing.terms" in names
    assert ("award", "ordering") in import_graph()


def test_domain_folders_form_no_cycle() -> None:
    """Lower layers know nothing of higher ones (see the README's Architecture)."""
    edges = import_graph()
    cycle = find_cycle(edges)
    if cycle is not None:
        sites = "\n".join(
            f"  {a} -> {b}: {', '.join(sorted(set(edges[(a, b)])))}"
            for a, b in itertools.pairwise(cycle)
        )
        raise AssertionError(f"Import cycle {' -> '.join(cycle)}:\n{sites}")


#: the console script is the composition root: ``serve`` and ``export-schema`` start or
#: print the API, so it alone may load the API layer (inside the command, lazily); no
#: domain module imports it (checked below)
ENTRY_POINT = DOMAIN / "cli.py"


def test_domain_never_imports_the_api_layer() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted(DOMAIN.rglob("*.py"))
        if path != ENTRY_POINT
        for name, line in _imported_modules(path)
        if name.split(".")[0] == "graphql_schema"
    ]
    assert offenders == []
    assert not [(a, b) for a, b in import_graph() if b == "cli"]


#: one concept per module: past this many lines a module is holding several
MAX_MODULE_LINES = 450
#: modules allowed past the bound, each with the reason (none today)
LINE_BOUND_EXCEPTIONS: dict[str, str] = {}


def test_no_module_exceeds_the_line_bound() -> None:
    too_long = {
        str(path.relative_to(ROOT)): n
        for package in ("procurement", "graphql_schema")
        for path in sorted((ROOT / package).rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
        and str(path.relative_to(ROOT)) not in LINE_BOUND_EXCEPTIONS
    }
    assert too_long == {}, f"Split these by concept (bound {MAX_MODULE_LINES} lines): {too_long}"
