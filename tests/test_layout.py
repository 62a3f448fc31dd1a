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
              "monitor.logs", "monitor.config")
REGISTRIES = {"sources", "alerts"}  # the packages themselves: their __init__ is the registry
# Where a platform's or a channel's name may stand as a string in the core.
NAMES = re.compile(r'"(?:x|reddit|news|hackernews|bluesky|mastodon|slack|console|webhook|email)"')
MAY_NAME = {
    "monitor/replay/demo.py",  # the bundled demo data
    "monitor/config/secrets.py",  # "webhook" among the words that mark a key as a secret, not a channel
}


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
