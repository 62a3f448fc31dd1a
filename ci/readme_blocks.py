"""Run the shell blocks of the README (and docs/) marked as runnable, as a new user would type them.

A block is marked by the line ``<!-- runnable -->`` just before its opening fence. Each file's marked
blocks run in order, in one fresh temporary directory (so a later block sees what an earlier one
made), with ``bash -euo pipefail``, the current ``monitor`` on PATH and no credentials in the
environment. The first block that exits non-zero fails the check, with its output.

    python ci/readme_blocks.py README.md docs/*.md
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

MARK = "<!-- runnable -->"
FENCE = re.compile(r"^```(?:sh|bash|console)?\s*$")
CREDENTIALS = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "X_BEARER_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN",
               "MONITOR_WEB_TOKEN")


def blocks(text: str) -> list[tuple[int, str]]:
    """(line number, script) of every marked block."""
    lines = text.splitlines()
    found, i = [], 0
    while i < len(lines):
        if lines[i].strip() == MARK and i + 1 < len(lines) and FENCE.match(lines[i + 1]):
            start, body = i + 2, []
            i += 2
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            found.append((start, "\n".join(body) + "\n"))
        i += 1
    return found


def main(paths: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    failed = 0
    for path in paths:
        marked = blocks(Path(path).read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory(prefix="readme-") as work:
            for line, script in marked:
                proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, env=env,
                                      capture_output=True, text=True, timeout=600)
                status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
                print(f"{path}:{line}: {status}")
                if proc.returncode != 0:
                    failed += 1
                    print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
                    break
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
