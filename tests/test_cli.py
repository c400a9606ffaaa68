"""The `qa` command as a user runs it: a subprocess, the real model, a tiny corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def qa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "band.txt").write_text(
        "= The Band =\n\nThe band was founded on 17 November 1994. Currently, the band has 115 members.\n",
        encoding="utf-8",
    )
    (corpus / "hospital.md").write_text(
        "# Hospital\n\nThe hospital was established in 1993. It has 12 departments.\n", encoding="utf-8"
    )
    return tmp_path


def test_build_ask_status_and_an_unchanged_rebuild(project: Path) -> None:
    first = qa("build", cwd=project)
    assert first.returncode == 0, first.stderr
    assert "2 documents" in first.stdout and "embedded" in first.stdout

    second = qa("build", cwd=project)
    assert second.returncode == 0, second.stderr
    assert "embedded 0 new passages" in second.stdout and "nothing re-embedded" in second.stdout

    asked = qa("ask", "How many members does the band have?", "--json", "--k", "1", cwd=project)
    assert asked.returncode == 0, asked.stderr
    top = json.loads(asked.stdout)["results"][0]
    assert top["doc"] == "band.txt" and top["answer"]["span"]["text"] in ("115", "115 members")
    reranked = qa("ask", "How many members does the band have?", "--json", "--k", "1", "--rerank", cwd=project)
    assert reranked.returncode == 0, reranked.stderr  # the opt-in reranker loads from the package and runs
    assert json.loads(reranked.stdout)["results"][0]["doc"] == "band.txt"

    status = qa("status", cwd=project)
    assert status.returncode == 0 and "fresh" in status.stdout and "2 documents" in status.stdout
    listed = qa("status", "--documents", cwd=project).stdout.splitlines()
    assert listed[-3:] == ["documents: 2", "  band.txt  txt · 1 passage", "  hospital.md  md · 1 passage"]

    (project / "corpus" / "hospital.md").write_text("# Hospital\n\nIt has 14 departments now.\n", encoding="utf-8")
    assert "stale" in qa("status", cwd=project).stdout
    stale = qa("ask", "How many departments?", cwd=project)
    assert stale.returncode == 1
    assert stale.stderr.count("\n") == 1 and stale.stderr.startswith("Error:") and "qa build" in stale.stderr

    (project / "corpus" / "broken.pdf").write_bytes(b"%PDF-1.4 not really a PDF")
    (project / "corpus" / "flyer.pub").write_bytes(b"\xd0\xcf\x11\xe0 a Publisher file")
    third = qa("build", cwd=project)
    assert "Note: not read: 1 file of kinds the index does not read (.pub: 1); it reads PDF" in third.stderr
    assert (
        "embedded 0 new passages" not in third.stdout
    )  # the changed file is re-embedded; the rest comes from the cache
    assert "reused" in third.stdout
    listed = qa("status", "--documents", cwd=project).stdout.splitlines()
    assert listed[-2] == "skipped:   1" and listed[-1].startswith("  broken.pdf: ")  # with the reason


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("ask", "anything"), "qa build"),  # no index yet
        (("build", "--corpus", "missing-folder"), "missing-folder"),
        (("eval", "nope.jsonl"), "nope.jsonl"),
        (("status",), "qa build"),
    ],
)
def test_errors_are_one_line_with_exit_code_1(tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    done = qa(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("Error:") and done.stderr.count("\n") == 1, done.stderr
    assert needle in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "index").exists() or args[0] != "build"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["ask", "--k", "0", "a question"], "--k"),
        (["ask", "--mode", "foo", "a question"], "--mode"),
        (["ask", "--no-such-option", "a question"], "--no-such-option"),
        (["ask"], "QUESTION"),
        (["no-such-command"], "no-such-command"),
    ],
)
def test_usage_errors_are_one_error_line_with_exit_code_1(args: list[str], named: str) -> None:
    from click.testing import CliRunner

    from qa.cli import cli

    result = CliRunner().invoke(cli, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1, result.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: ") and named in lines[0], lines
    assert "Usage:" not in result.stderr and not result.stdout


def test_help_still_prints_with_exit_code_0() -> None:
    from click.testing import CliRunner

    from qa.cli import cli

    assert CliRunner().invoke(cli, ["--help"]).exit_code == 0
    alone = CliRunner().invoke(cli, [])
    assert "Usage:" in alone.stdout and "ask" in alone.stdout
