"""The package's layering, checked on its source.

Every module of `accountability` is parsed with `ast` (nothing is imported), and
its runtime imports become the edges of an import graph among the package's
modules: module-level and function-level `import` / `from … import`, but not
those under `if TYPE_CHECKING:`, which never run.  The graph must have no
cycle, and each module may import only modules of its own layer or a lower one
(`LAYERS`, lowest first).  A few rules of the design are spelt out as tests of
their own, so that a failure names the rule broken.

An edge is an explicit import only: importing `accountability.rules.parameters`
also runs `accountability/rules/__init__.py`, but that implicit import of a
parent package is not an edge (every module would otherwise import the
package's `__init__`, which imports the public API).  `from pkg import name`
is an edge to the submodule `pkg.name` when there is one, else to `pkg`.

`check_package(root, layers)` is the checker; the last tests run it on a small
package written to a temporary folder, so that a forbidden import or a cycle
added to the code is known to fail this file.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import accountability
from accountability.version import __version__

REPO = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = REPO / "accountability"

# Layers, lowest first: (name, module prefixes).  A prefix matches the module of
# that name and every module below it; the longest matching prefix decides (so
# `accountability.rules.parameters` is in `rulebook`, the other
# `accountability.rules.*` in `rules`).  The package's own name matches its
# `__init__` only.  A prefix naming no module yet is allowed: a future module
# under it slots into its layer.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "base",
        (
            "accountability.errors",
            "accountability.version",
            "accountability.engine",
            "accountability.progress",
            "accountability.subjects",
            "accountability.terminal",
            "accountability.dates",
            "accountability.codes",
            "accountability.columns",
            # The result classes' display hooks: they load the notebook renderer (report
            # layer) by name when a result is shown, so that no lower layer imports it.
            "accountability.display",
        ),
    ),
    (
        "data",
        (
            "accountability.dataset",
            "accountability.loading",
            "accountability.tables",
            "accountability.regions",
            "accountability.lineitems",
            "accountability.wording",
            # The result frames' declarations: scorers build to them, the report
            # writes them.
            "accountability.outputs",
        ),
    ),
    ("rulebook", ("accountability.rulebook", "accountability.rules.parameters")),
    ("domain", ("accountability.accidents",)),
    # The registry, and what the public functions accept (a Dataset or a folder, a
    # Rulebook or a rule file, a year).
    ("rules", ("accountability.rules", "accountability.arguments")),
    ("scorers", ("accountability.scorers", "accountability.planning", "accountability.periods")),
    (
        "report",
        (
            "accountability.report",
            "accountability.peers",
            "accountability.grouped_table",
            "accountability.notebook",
            "accountability.charts",
            "accountability.html_report",
        ),
    ),
    (
        "assessment",
        (
            "accountability.assessment",
            "accountability.compare",
            "accountability.whatif",
            "accountability.sensitivity",
            # rulebook test cases run `assess` on their inline rows
            "accountability.rulecases",
        ),
    ),
    ("api", ("accountability",)),
    ("cli", ("accountability.cli",)),
)


# --- the checker ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """One runtime import of a package module by another: where it is written."""

    source: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} → {self.target} (line {self.line})"


@dataclass
class Findings:
    """What `check_package` found: each list empty when the package is sound."""

    cycles: list[list[str]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    unlayered: list[str] = field(default_factory=list)


def discover_modules(root: Path) -> dict[str, Path]:
    """Dotted module name → file, for every `.py` file under the package folder `root`."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: all of them, at any depth, but the body
    of an `if TYPE_CHECKING:` (its `else:` branch runs, so it is kept)."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_nodes(node.orelse)
        else:
            yield from _import_nodes(ast.iter_child_nodes(node))


def _known(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module `name`, or the innermost package module holding it (an attribute
    imported as `import pkg.mod.attr` is not valid Python, but be lenient)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def runtime_imports(module: str, modules: Mapping[str, Path]) -> list[Import]:
    """The imports of package modules that `module` runs, in source order."""
    path = modules[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    for node in _import_nodes(tree.body):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.append(submodule if submodule in modules else base)
        for target in targets:
            known = _known(target, modules)
            if known is not None and known != module:
                found.append(Import(module, known, node.lineno))
    return found


def import_graph(root: Path) -> dict[str, list[Import]]:
    """Every module of the package under `root` → its runtime imports of package modules."""
    modules = discover_modules(root)
    return {module: runtime_imports(module, modules) for module in modules}


def find_cycles(graph: Mapping[str, Sequence[Import]]) -> list[list[str]]:
    """One cycle, as a path `[a, b, …, a]`, per strongly connected group of modules
    (Tarjan's algorithm; iterative, so deep graphs are fine)."""
    succ = {m: sorted({i.target for i in imports}) for m, imports in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(succ):
        if start in index:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            nexts = succ.get(node, [])
            if i < len(nexts):
                work.append((node, i + 1))
                nxt = nexts[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return [_cycle_through(group, succ) for group in sorted(groups)]


def _cycle_through(group: Sequence[str], succ: Mapping[str, Sequence[str]]) -> list[str]:
    """A shortest cycle from the group's first module back to it, inside the group."""
    start, members = group[0], set(group)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for nxt in succ[node]:
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if nxt in members and nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - a group has one


def layer_of(module: str, layers: Sequence[tuple[str, Sequence[str]]]) -> int | None:
    """The index in `layers` of the module's layer (longest matching prefix), or None."""
    package = module.partition(".")[0]
    best: tuple[int, int] | None = None  # (prefix length, layer index)
    for position, (_, prefixes) in enumerate(layers):
        for prefix in prefixes:
            matches = module == prefix or (prefix != package and module.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), position)
    return None if best is None else best[1]


def upward_imports(
    graph: Mapping[str, Sequence[Import]], layers: Sequence[tuple[str, Sequence[str]]]
) -> list[str]:
    """Imports of a module of a higher layer, one line each naming both layers."""
    found: list[str] = []
    for module in sorted(graph):
        own = layer_of(module, layers)
        for imp in graph[module]:
            target = layer_of(imp.target, layers)
            if own is not None and target is not None and target > own:
                found.append(f"{imp}: layer {layers[own][0]} imports layer {layers[target][0]}")
    return found


def check_package(root: Path, layers: Sequence[tuple[str, Sequence[str]]]) -> Findings:
    """Cycles, upward imports and modules of no layer in the package folder `root`."""
    graph = import_graph(root)
    return Findings(
        cycles=find_cycles(graph),
        violations=upward_imports(graph, layers),
        unlayered=sorted(m for m in graph if layer_of(m, layers) is None),
    )


def imports_matching(
    graph: Mapping[str, Sequence[Import]],
    *,
    importers: Sequence[str],
    targets: Sequence[str],
    allowed: Sequence[str] = (),
) -> list[str]:
    """Imports by a module under one of `importers` of a module under one of
    `targets`, unless the target is under one of `allowed`."""

    def under(module: str, prefixes: Sequence[str]) -> bool:
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    return [
        str(imp)
        for module in sorted(graph)
        if under(module, importers)
        for imp in graph[module]
        if under(imp.target, targets) and not under(imp.target, allowed)
    ]


# --- the package ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Import]]:
    return import_graph(PACKAGE_ROOT)


def _lines(items: Iterable[object]) -> str:
    return "\n  " + "\n  ".join(str(i) for i in items)


def test_every_module_has_a_layer(graph: dict[str, list[Import]]) -> None:
    missing = sorted(m for m in graph if layer_of(m, LAYERS) is None)
    assert not missing, "modules in no layer of LAYERS (add them):" + _lines(missing)


def test_no_import_cycles(graph: dict[str, list[Import]]) -> None:
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:" + _lines(" → ".join(c) for c in cycles)


def test_modules_import_only_their_layer_or_lower(graph: dict[str, list[Import]]) -> None:
    found = upward_imports(graph, LAYERS)
    assert not found, "imports of a higher layer:" + _lines(found)


def test_scorers_import_no_report_cli_or_file_reading(graph: dict[str, list[Import]]) -> None:
    """A scorer computes from a Dataset: it neither renders, nor runs commands, nor
    reads files."""
    found = imports_matching(
        graph,
        importers=["accountability.scorers"],
        targets=[
            "accountability.report",
            "accountability.cli",
            "accountability.loading",
            "accountability.tables",
        ],
    )
    assert not found, "scorers importing report, cli or file reading:" + _lines(found)


def test_rulebook_imports_no_scorer_and_no_rule(graph: dict[str, list[Import]]) -> None:
    """The rulebook holds values; it knows the parameters' specs, not the rules."""
    found = imports_matching(
        graph,
        importers=["accountability.rulebook"],
        targets=["accountability.scorers", "accountability.rules"],
        allowed=["accountability.rules.parameters"],
    )
    assert not found, "the rulebook importing a scorer or a rule:" + _lines(found)


def test_report_imports_no_scorer(graph: dict[str, list[Import]]) -> None:
    """The report renders results; it must not compute a score."""
    found = imports_matching(
        graph, importers=["accountability.report"], targets=["accountability.scorers"]
    )
    assert not found, "report importing a scorer:" + _lines(found)


def test_only_the_cli_imports_the_cli(graph: dict[str, list[Import]]) -> None:
    found = [
        str(imp)
        for module in sorted(graph)
        if not (module == "accountability.cli" or module.startswith("accountability.cli."))
        for imp in graph[module]
        if imp.target == "accountability.cli" or imp.target.startswith("accountability.cli.")
    ]
    assert not found, "modules outside the cli importing it:" + _lines(found)


def _collects_without_the_engine(source: str, name: str) -> list[str]:
    """`x.collect(…)` and `pl.collect_all(…)` calls in `source` that do not pass
    `engine=ENGINE`, as "name:line"."""
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in ("collect", "collect_all"):
            continue
        engine = [k.value for k in node.keywords if k.arg == "engine"]
        if not (engine and isinstance(engine[0], ast.Name) and engine[0].id == "ENGINE"):
            found.append(f"{name}:{node.lineno}")
    return found


def test_every_collect_names_the_librarys_engine() -> None:
    """The engine is the library's choice (`accountability.engine`), not polars' default
    or a caller's `pl.Config`: every collect in the package passes `engine=ENGINE`."""
    found = [
        hit
        for path in sorted(PACKAGE_ROOT.rglob("*.py"))
        for hit in _collects_without_the_engine(
            path.read_text(encoding="utf-8"), str(path.relative_to(REPO))
        )
    ]
    assert not found, "collects without engine=ENGINE:" + _lines(found)


def test_the_engine_check_finds_a_collect_without_it() -> None:
    source = (
        "import polars as pl\nfrom accountability.engine import ENGINE\n"
        "a = pl.LazyFrame().collect()\nb = pl.collect_all([], engine=ENGINE)\n"
        "c = pl.LazyFrame().collect(engine='streaming')\n"
    )
    assert _collects_without_the_engine(source, "m.py") == ["m.py:3", "m.py:5"]


def test_version_is_pyproject_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == __version__ == accountability.__version__


# --- the checker fails when it should -------------------------------------------------------


def _write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


TOY_LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("toy.base",)),
    ("middle", ("toy.middle",)),
    ("top", ("toy.top",)),
    ("api", ("toy",)),
)


def test_checker_reports_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "toy",
        {
            "__init__.py": "from toy.top import run\n",
            "base.py": "def helper():\n    from toy.middle import thing  # upward\n",
            "middle/__init__.py": "from . import parts\nthing = 1\n",
            "middle/parts.py": "from toy.top import run  # upward, and a cycle\n",
            "top.py": "from toy.middle import thing\ndef run():\n    pass\n",
        },
    )
    findings = check_package(root, TOY_LAYERS)
    assert findings.violations == [
        "toy.base → toy.middle (line 2): layer base imports layer middle",
        "toy.middle.parts → toy.top (line 1): layer middle imports layer top",
    ]
    assert findings.cycles == [["toy.middle", "toy.middle.parts", "toy.top", "toy.middle"]]
    assert findings.unlayered == []


def test_rule_helper_names_the_forbidden_import(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "toy",
        {
            "__init__.py": "",
            "top.py": "import toy.middle.parts\nfrom toy.middle import allowed\n",
            "middle/__init__.py": "",
            "middle/parts.py": "",
            "middle/allowed.py": "",
        },
    )
    found = imports_matching(
        import_graph(root),
        importers=["toy.top"],
        targets=["toy.middle"],
        allowed=["toy.middle.allowed"],
    )
    assert found == ["toy.top → toy.middle.parts (line 1)"]


def test_checker_ignores_type_checking_imports(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "toy",
        {
            "__init__.py": "",
            "base.py": (
                "from typing import TYPE_CHECKING\n"
                "import typing\n"
                "if TYPE_CHECKING:\n    from toy.top import run\n"
                "if typing.TYPE_CHECKING:\n    import toy.top\n"
                "else:\n    from toy import middle  # runs: counted\n"
            ),
            "middle.py": "",
            "top.py": "from toy import base\n",
            "stray.py": "",
        },
    )
    findings = check_package(root, TOY_LAYERS)
    assert findings.violations == [
        "toy.base → toy.middle (line 8): layer base imports layer middle"
    ]
    assert findings.cycles == []
    assert findings.unlayered == ["toy.stray"]


def test_checker_resolves_relative_and_dotted_imports(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "toy",
        {
            "__init__.py": "",
            "base/__init__.py": "",
            "base/a.py": "from .b import x\nfrom .. import top\nimport toy.base.b\n",
            "base/b.py": "x = 1\n",
            "top.py": "",
        },
    )
    graph = import_graph(root)
    assert [str(i) for i in graph["toy.base.a"]] == [
        "toy.base.a → toy.base.b (line 1)",
        "toy.base.a → toy.top (line 2)",
        "toy.base.a → toy.base.b (line 3)",
    ]
