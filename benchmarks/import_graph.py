"""The import graph of `qa/`: every module's imports of other `qa` modules (lazy ones inside functions included;
`if TYPE_CHECKING:` blocks left out, they are never run), a failure on any cycle or any import of a private
name across modules, and the stage order.

    python benchmarks/import_graph.py          # prints the order; exit code 1 on a cycle or a private import
"""

from __future__ import annotations

import ast
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "qa"
STAGES = (
    "qa.errors",
    "qa.options",
    "qa.process",
    "qa.ingest",
    "qa.models",
    "qa.index",
    "qa.search",
    "qa.engine",
    "qa.evaluate",
    "qa.render",
    "qa.web",
    "qa.cli",
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports(path: Path, modules: set[str]) -> tuple[set[str], list[str]]:
    """(qa modules imported, private names imported across modules) of one file."""
    name = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found: set[str] = set()
    private: list[str] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, path.name == "__init__.py", node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in modules:
                    found.add(sub)
                elif target in modules:
                    found.add(target)
                    if alias.name.startswith("_") and target != name:
                        private.append(f"{name} imports {target}.{alias.name}")
    found.discard(name)
    # a package's `__init__` importing its submodules on demand, and those importing a name from it, is how a
    # package re-exports (qa/ingest/extract): the edge submodule → parent package is not counted as a cycle
    found = {m for m in found if not name.startswith(m + ".")}
    return {m for m in found if m.startswith("qa")}, private


def stage_of(module: str) -> int:
    return next((i for i, s in enumerate(STAGES) if module == s or module.startswith(s + ".")), -1)


def main() -> int:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in files}
    graph: dict[str, set[str]] = {}
    private: list[str] = []
    for path in files:
        graph[module_name(path)], bad = imports(path, modules)
        private += bad
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        print(f"import cycle: {' -> '.join(exc.args[1])}")
        return 1
    backwards = [
        f"{m} ({STAGES[stage_of(m)]}) imports {d} ({STAGES[stage_of(d)]})"
        for m, deps in graph.items()
        for d in deps
        if stage_of(d) > stage_of(m) and not d.endswith("__init__") and d != "qa"
    ]
    print(f"{len(modules)} modules, {sum(len(d) for d in graph.values())} imports, no cycle")
    for stage in STAGES:
        members = [m for m in order if stage_of(m) == STAGES.index(stage)]
        if members:
            print(f"  {stage:<12} {' '.join(m.removeprefix(stage).lstrip('.') or '(package)' for m in members)}")
    for line in private:
        print(f"private import: {line}")
    for line in backwards:
        print(f"against the stage order: {line}")
    return 1 if private or backwards else 0


if __name__ == "__main__":
    sys.exit(main())
