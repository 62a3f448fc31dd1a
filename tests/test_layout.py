"""The plugin boundary, read from the imports (issue 22): the core knows a plugin only through its
registry, plugins use only the shared vocabulary, and the vocabulary imports nothing above it.
docs/DEVELOPMENT.md ("How the code is laid out") has the same rules as a table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The shared vocabulary: records, protocols, errors and the config, which plugins and core alike use.
VOCABULARY = ("monitor.models", "monitor.interfaces", "monitor.errors", "monitor.retry", "monitor.sanitize",
              "monitor.brands", "monitor.deadline", "monitor.textsig", "monitor.events", "monitor.jsonl",
              "monitor.logs", "monitor.timestamps", "monitor.redaction", "monitor.config")
REGISTRIES = {"sources", "alerts"}  # the packages themselves: their __init__ is the registry
# Where a platform's or a channel's name may stand as a string in the core.
NAMES = re.compile(r'"(?:x|reddit|news|hackernews|bluesky|mastodon|slack|console|webhook|email)"')
MAY_NAME = {
    "monitor/replay/demo.py",  # the bundled demo data
    "monitor/redaction.py",  # "webhook" among the words that mark a key as a secret, not a channel
}


MAX_FUNCTION_LINES = 80  # from its first decorator to its last line


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base]) if base else ".".join(parts)
            found.append((node.lineno, base))
    return found


def files(*parts: str) -> list[Path]:
    return sorted(p for part in parts for p in (ROOT / part).rglob("*.py") if "migrations" not in p.parts)


def is_under(module: str, prefixes: tuple[str, ...] | set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of nodes that reach one another (strongly connected, more than one node)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = stack[stack.index(v):]
            del stack[stack.index(v):]
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_core_knows_plugins_only_through_their_registries() -> None:
    broken = [f"{p.relative_to(ROOT)}:{line} imports {m}" for p in files("monitor") for line, m in imports(p)
              if m.split(".")[0] in REGISTRIES and m not in REGISTRIES]
    assert broken == []


def test_the_core_names_no_platform_and_no_channel() -> None:
    broken = []
    for path in files("monitor"):
        if str(path.relative_to(ROOT)) in MAY_NAME:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if NAMES.search(line.split("#")[0]):
                broken.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert broken == []


def test_plugins_use_only_the_shared_vocabulary() -> None:
    broken = [f"{p.relative_to(ROOT)}:{line} imports {m}" for p in files("sources", "alerts") for line, m in imports(p)
              if m.split(".")[0] == "monitor" and m != "monitor" and not is_under(m, VOCABULARY)]
    broken += [f"{p.relative_to(ROOT)}:{line} imports {m}" for p in files("sources") for line, m in imports(p)
               if m.split(".")[0] == "alerts"]
    broken += [f"{p.relative_to(ROOT)}:{line} imports {m}" for p in files("alerts") for line, m in imports(p)
               if m.split(".")[0] == "sources"]
    assert broken == []


def test_the_vocabulary_imports_nothing_above_it() -> None:
    vocabulary = [p for p in files("monitor") if is_under(".".join(p.relative_to(ROOT).with_suffix("").parts)
                                                          .removesuffix(".__init__"), VOCABULARY)]
    assert vocabulary
    broken = [f"{p.relative_to(ROOT)}:{line} imports {m}" for p in vocabulary for line, m in imports(p)
              if m.split(".")[0] == "monitor" and m != "monitor" and not is_under(m, VOCABULARY)]
    assert broken == []


def test_the_vocabulary_under_the_config_does_not_import_it() -> None:
    """Events, JSONL, logs and the rest of the vocabulary are below the config: what they need of it (the
    timestamp format, the redactor) lives in the vocabulary itself (monitor/timestamps.py, redaction.py)."""
    below = [p for p in files("monitor") if is_under(module_of(p), VOCABULARY) and not is_under(module_of(p),
                                                                                                  ("monitor.config",))]
    assert below
    broken = [f"{p.relative_to(ROOT)}:{line} imports {m}" for p in below for line, m in imports(p)
              if is_under(m, ("monitor.config",))]
    assert broken == []


def test_the_parts_of_the_core_import_one_another_one_way() -> None:
    """monitor/'s parts (storage, web, replay, cli, ...) and its top-level modules form no import cycle:
    the incident read model is storage (storage/incident_views.py), the charts are web's
    (web/charts.py), so replay -> web -> storage and nothing points back. Lazy imports count too."""
    edges: dict[str, set[str]] = {}
    for path in files("monitor"):
        part = ".".join(module_of(path).split(".")[:2])
        for _, m in imports(path):
            target = ".".join(m.split(".")[:2])
            if m.startswith("monitor.") and target != part:
                edges.setdefault(part, set()).add(target)
    assert cycles(edges) == []


def test_the_storage_modules_import_one_another_one_way() -> None:
    """store -> alert_queries -> actions -> sql: no lazy or TYPE_CHECKING import back up."""
    edges: dict[str, set[str]] = {}
    for path in files("monitor/storage"):
        edges[module_of(path)] = {m for _, m in imports(path) if is_under(m, ("monitor.storage",))}
    assert cycles(edges) == []


def test_no_function_is_longer_than_80_lines() -> None:
    """A function that does not fit on a screen or two hides its steps: name them as helpers instead."""
    long = []
    for path in files("monitor", "sources", "alerts"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - first + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert long == []
