"""One document never stops a build (issue 17): deeply nested HTML is extracted without recursion, and any error
reading or splitting one file skips that file, named with its reason, while the rest is indexed.

The faults are injected by replacing one extractor (or the chunker) with a function that raises, through
monkeypatch: what is under test is the build around it, which is the real one (real files, real index, the CLI).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from robustness_support import FAKE_MODEL, QUESTIONS, ROOT, TINY, make_corpus, offline_env

import qa.index.sources
import qa.ingest.extract.html
from qa.index.open import read_manifest
from qa.ingest.extract.html import extract_html

SHAPES = {
    "div": ("<div>", "</div>"),
    "span": ("<span>", "</span>"),
    "list": ("<ul><li>", "</li></ul>"),
    "table": ("<table><tr><td>", "</td></tr></table>"),
    "section-item": ("<section><li>", "</li></section>"),  # two elements a level: the tree is twice as deep
    "unclosed-div": ("<div>", ""),
}
DEEP = "The deep text holds the answer."


def nested(depth: int, shape: str) -> bytes:
    opening, closing = SHAPES[shape]
    return (
        f"<html><body><p>Before the nest.</p>{opening * depth}{DEEP}{closing * depth}"
        "<p>After the nest.</p></body></html>"
    ).encode()


def assert_all_text(text: str) -> None:
    for part in ("Before the nest.", DEEP, "After the nest."):
        assert part in text, part


@pytest.mark.parametrize("shape", SHAPES)
def test_1500_levels_of_nesting_are_extracted(shape: str) -> None:
    assert_all_text(extract_html(nested(1500, shape)).text)


@pytest.mark.parametrize("shape", ["div", "list", "span", "section-item"])
def test_the_walks_keep_their_own_stack_however_deep_the_tree(shape: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With the pre-parse flattening turned off, the parsed tree is 1,500 to 3,000 levels deep: more than Python's
    call stack allows, so only walks with their own stack get through."""
    monkeypatch.setattr(qa.ingest.extract.html, "MAX_DEPTH", 1_000_000)
    assert sys.getrecursionlimit() < 1500
    assert_all_text(extract_html(nested(1500, shape)).text)


def _extract_in_a_small_process(path: Path) -> subprocess.CompletedProcess:
    """extract_html of `path` in a process whose address space is capped at 1 GiB (a tree copied level by level,
    or a parser gone quadratic in memory, fails there instead of passing)."""
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
        "from qa.ingest.extract.html import extract_html; "
        "sys.stdout.write(extract_html(open(sys.argv[1], 'rb').read()).text)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.parametrize("shape", ["div", "list", "table"])
def test_200000_levels_of_nesting_are_extracted_in_bounded_memory(tmp_path: Path, shape: str) -> None:
    page = tmp_path / "deep.html"
    page.write_bytes(nested(200_000, shape))
    done = _extract_in_a_small_process(page)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_all_text(done.stdout)


def test_a_build_with_a_1500_level_page_indexes_it(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "deep.html").write_bytes(nested(1500, "div"))
    result = fake_cli("build", "--corpus", corpus, "--index", tmp_path / "index", "--model", FAKE_MODEL)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr
    asked = fake_cli("ask", "Which text holds the answer?", "--index", tmp_path / "index", "--json")
    assert json.loads(asked.stdout)["results"][0]["doc"] == "deep.html"


def _fail(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise RuntimeError("injected extractor fault")


def test_an_extractor_that_raises_skips_its_file_and_the_build_goes_on(fake_cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "page.html").write_bytes(b"<html><body><p>The page has one paragraph of text.</p></body></html>")
    monkeypatch.setattr(qa.ingest.extract.html, "extract_html", _fail)
    result = fake_cli("build", "--corpus", corpus, "--index", tmp_path / "index", "--model", FAKE_MODEL)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "page.html" in warnings[0], result.stderr
    assert "RuntimeError: injected extractor fault" in warnings[0] and "skipped" in warnings[0]
    assert "Traceback" not in result.output
    manifest = read_manifest(tmp_path / "index")
    assert manifest.counts.documents == len(TINY)
    assert [s.path for s in manifest.skipped] == ["page.html"]
    assert "RuntimeError" in manifest.skipped[0].reason
    assert manifest.files["page.html"].indexed is False
    answer = fake_cli("ask", QUESTIONS[0], "--index", tmp_path / "index", "--json")
    assert answer.exit_code == 0 and json.loads(answer.stdout)["results"][0]["doc"] == "troops.txt"


def test_a_recursion_error_in_one_file_does_not_abort_the_build(fake_cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "page.html").write_bytes(b"<html><body><p>Some text.</p></body></html>")

    def recurse(data: bytes):  # type: ignore[no-untyped-def]
        return recurse(data)

    monkeypatch.setattr(qa.ingest.extract.html, "extract_html", recurse)
    result = fake_cli("build", "--corpus", corpus, "--index", tmp_path / "index", "--model", FAKE_MODEL)
    assert result.exit_code == 0, result.output
    assert "Warning: skipped page.html: reading the file failed unexpectedly (RecursionError" in result.stderr


def test_a_chunker_error_on_one_document_skips_that_document(fake_cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(tmp_path / "corpus")
    real = qa.index.sources.chunk_document

    def chunk(doc, settings):  # type: ignore[no-untyped-def]
        if doc.id == "police.txt":
            raise ValueError("injected chunker fault")
        return real(doc, settings)

    monkeypatch.setattr(qa.index.sources, "chunk_document", chunk)
    result = fake_cli("build", "--corpus", corpus, "--index", tmp_path / "index", "--model", FAKE_MODEL)
    assert result.exit_code == 0, result.output
    assert (
        "Warning: skipped police.txt: splitting the text into passages failed unexpectedly (ValueError: injected "
        "chunker fault)" in result.stderr
    )
    assert read_manifest(tmp_path / "index").counts.documents == len(TINY) - 1
