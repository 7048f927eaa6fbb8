"""The layering rules (issue 19, ../shared/GUIDE.md section 2), checked on the code itself.

- No cycles between the packages (and top-level modules) of `app/`.
- A domain does not import another domain's repository, its aliases or its private names.
- Routers hold no SQL: no select(, text(, insert(, update(, delete( in a router, and import
  no repository (their own domain's included): they call a service.

- No module over 400 lines (ruff checks the other bound: no function over complexity 12).

The code follows all of them (issue 19 removed the last exceptions). Should one ever have to be
made, it is listed below, one by one, and the tests fail both on a new violation and on a
listed one that is gone (then strike it): the lists can only shrink."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
SQL_CALLS = frozenset({"select", "text", "insert", "update", "delete"})
NOT_FOR_OTHERS = frozenset({"repository", "aliases"})

# Exceptions: none today.
KNOWN_CYCLES: set[frozenset[str]] = set()
KNOWN_REACHES: set[tuple[str, str]] = set()
KNOWN_ROUTER_SQL: set[tuple[str, str]] = set()
KNOWN_ROUTER_REPOSITORIES: set[tuple[str, str]] = set()
# Modules over MAX_LINES, each at most as long as listed.
MAX_LINES = 400
KNOWN_LONG: dict[str, int] = {}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    """(dotted name, tree) of every module of app/."""
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, ast.parse(path.read_text(encoding="utf-8"))


def _imports(name: str, tree: ast.Module) -> Iterator[tuple[str, str | None]]:
    """(imported module, imported name or None) of every import of app's own code."""
    # A package's own relative imports start from the package; a module's, from its parent.
    is_package = (APP.parent / name.replace(".", "/") / "__init__.py").exists()
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("app."):
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base == "app" or base.startswith("app."):
                for alias in node.names:
                    yield base, alias.name


def _unit(module: str) -> str:
    """The package (or top-level module) a module belongs to: app.search.repository -> search."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, tree in _modules():
        source = _unit(name)
        for module, _ in _imports(name, tree):
            target = _unit(module)
            if target not in (source, "app"):
                graph.setdefault(source, set()).add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.add(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _reaches() -> set[tuple[str, str]]:
    """(importing module, what it reaches) for imports of another domain's repository,
    aliases or private names."""
    found: set[tuple[str, str]] = set()
    for name, tree in _modules():
        for module, imported in _imports(name, tree):
            if _unit(module) == _unit(name) or module == "app":
                continue
            last = module.split(".")[-1]
            if last in NOT_FOR_OTHERS or (imported or "") in NOT_FOR_OTHERS:
                found.add((name, f"{module}.{imported}" if imported else module))
            elif imported and imported.startswith("_"):
                found.add((name, f"{module}.{imported}"))
    return found


def _is_router(name: str) -> bool:
    """router.py, and the second routers of a package (vacancies_router.py)."""
    return name.endswith((".router", "_router"))


def _router_repositories() -> set[tuple[str, str]]:
    """(router module, repository it imports), its own domain's included."""
    found: set[tuple[str, str]] = set()
    for name, tree in _modules():
        if not _is_router(name):
            continue
        for module, imported in _imports(name, tree):
            if module.split(".")[-1] == "repository" or imported == "repository":
                found.add((name, f"{module}.{imported}" if imported else module))
    return found


def _router_sql() -> set[tuple[str, str]]:
    """(router module, SQL construct called) for SQL built in routers."""
    found: set[tuple[str, str]] = set()
    for name, tree in _modules():
        if not _is_router(name):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = node.func
                called_name = (
                    called.id
                    if isinstance(called, ast.Name)
                    else called.attr
                    if isinstance(called, ast.Attribute)
                    else ""
                )
                if called_name in SQL_CALLS and not isinstance(called, ast.Attribute):
                    found.add((name, called_name))
    return found


def test_no_new_package_cycles() -> None:
    cycles = _cycles(_graph())
    assert cycles - KNOWN_CYCLES == set(), f"new package cycles: {cycles - KNOWN_CYCLES}"
    assert KNOWN_CYCLES - cycles == set(), f"gone, strike: {KNOWN_CYCLES - cycles}"


def test_no_new_reach_into_another_domain() -> None:
    reaches = _reaches()
    assert reaches - KNOWN_REACHES == set(), f"new: {sorted(reaches - KNOWN_REACHES)}"
    assert KNOWN_REACHES - reaches == set(), f"gone, strike: {sorted(KNOWN_REACHES - reaches)}"


def test_no_new_sql_in_routers() -> None:
    sql = _router_sql()
    assert sql - KNOWN_ROUTER_SQL == set(), f"new: {sorted(sql - KNOWN_ROUTER_SQL)}"
    assert KNOWN_ROUTER_SQL - sql == set(), f"gone, strike: {sorted(KNOWN_ROUTER_SQL - sql)}"


def test_routers_call_services_not_repositories() -> None:
    found = _router_repositories()
    new, gone = found - KNOWN_ROUTER_REPOSITORIES, KNOWN_ROUTER_REPOSITORIES - found
    assert new == set(), f"new: {sorted(new)}"
    assert gone == set(), f"gone, strike: {sorted(gone)}"


def test_no_module_grows_past_its_bound() -> None:
    over = {}
    for path in sorted(APP.rglob("*.py")):
        name = str(path.relative_to(APP.parent))
        lines = _lines(path)
        if lines > KNOWN_LONG.get(name, MAX_LINES):
            over[name] = lines
    assert over == {}, f"modules over {MAX_LINES} lines (or longer than listed): {over}"
    shorter = {name for name in KNOWN_LONG if _lines(APP.parent / name) <= MAX_LINES}
    assert shorter == set(), f"now within {MAX_LINES} lines, strike: {sorted(shorter)}"


def test_no_function_escapes_the_complexity_bound() -> None:
    """ruff's C901 holds every function to complexity 12; a noqa would let one out."""
    escaping = [
        str(path.relative_to(APP.parent))
        for path in sorted(APP.rglob("*.py"))
        if "noqa: C901" in path.read_text(encoding="utf-8")
    ]
    assert escaping == [], f"split these functions instead of silencing C901: {escaping}"


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_the_checks_see_violations() -> None:
    """The checker itself: a cycle, a reach and router SQL in a made-up graph and tree."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {frozenset("abc")}
    assert _cycles({"a": {"b"}, "b": set()}) == set()
    tree = ast.parse("from app.search import repository\nx = select(1)\n")
    imports = list(_imports("app.tiles.router", tree))
    assert imports == [("app.search", "repository")]
