"""Odd corpus folders through `qa build`: refused with one `Error:` line, or built with each bad file named once.

tests/test_load.py covers the loader's rules one by one (missing/empty folder, empty, binary and undecodable files,
links leaving the folder, the size limit, odd file names); here the same inputs go through the command and the
index, plus what the loader did not handle: link loops, broken links, pipes, non-UTF-8 file names, files of
unpunctuated lines, thousands of files, a 50 MB file and very long lines.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from robustness_support import (
    FAKE_MODEL,
    assert_one_error_line,
    make_corpus,
    run_qa,
    tree_digest,
)

from qa.engine import Engine, build_from_folder
from qa.errors import CorpusError
from qa.index.config import BuildConfig
from qa.index.open import corpus_changes, open_index, read_manifest
from qa.ingest.chunk import chunk_corpus
from qa.ingest.load import load_corpus

CONFIG = BuildConfig(model=FAKE_MODEL)


def built(tmp_path: Path, hash_encoder) -> Path:  # type: ignore[no-untyped-def]
    """tmp_path/index built from the tiny corpus tmp_path/good."""
    build_from_folder(make_corpus(tmp_path / "good"), tmp_path / "index", CONFIG, encoder=hash_encoder)
    return tmp_path / "index"


def bad_folder(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / kind
    if kind == "missing":
        return folder
    folder.mkdir()
    if kind == "a-file":
        folder.rmdir()
        folder.write_text("not a folder", encoding="utf-8")
    elif kind == "only-other-types":
        (folder / "report.pdf").write_bytes(b"%PDF-1.4")
        (folder / ".hidden.txt").write_text("Hidden text.", encoding="utf-8")
    elif kind == "only-unreadable":
        (folder / "empty.txt").write_bytes(b"")
        (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
        (folder / "cyrillic.md").write_bytes("Совещание в Баку".encode("cp1251"))
    elif kind == "only-headings":
        (folder / "toc.md").write_text("# Contents\n\n## History\n\n## Structure\n", encoding="utf-8")
    return folder


REFUSED = [
    ("missing", r"corpus folder '.*missing' does not exist; pass --corpus DIR"),
    ("a-file", r"corpus path '.*a-file' is not a folder"),
    ("empty", r"no readable document in corpus folder '.*empty'; add a folder of .pdf"),
    ("only-other-types", r"no readable document"),
    (
        "only-unreadable",
        r"no readable document .*\(3 skipped: cyrillic.md: not valid UTF-8 .*; empty.txt: empty file; image.txt: binary",
    ),
    ("only-headings", r"the corpus has no text to index: its 1 readable file\(s\) \(toc.md\) hold only headings"),
]


@pytest.mark.parametrize(("kind", "message"), REFUSED, ids=[k for k, _ in REFUSED])
def test_qa_build_refuses_a_bad_corpus_and_keeps_the_index(
    fake_cli, tmp_path: Path, hash_encoder, kind: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    index = built(tmp_path, hash_encoder)
    before = tree_digest(index)
    corpus = bad_folder(tmp_path, kind)
    result = fake_cli("build", "--corpus", corpus, "--index", index, "--model", FAKE_MODEL)
    assert result.exit_code == 1 and result.stdout == ""
    assert_one_error_line(result.stderr, message)
    assert tree_digest(index) == before
    # a refused first build does not even create the index folder
    result = fake_cli("build", "--corpus", corpus, "--index", tmp_path / "new-index", "--model", FAKE_MODEL)
    assert result.exit_code == 1 and not (tmp_path / "new-index").exists()


def mixed_corpus(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Good files with spaces and non-ASCII names, and one of each kind of bad file; returns (folder, reasons)."""
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "sub dir").mkdir()
    (corpus / "sub dir" / "Bakı ünvanı – notes.md").write_text(
        "# Address\n\nThe headquarters stand on Nizami street.\n", encoding="utf-8"
    )
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (corpus / "cyrillic.txt").write_bytes("Совещание министерства в Баку".encode("cp1251"))
    (tmp_path / "secret.txt").write_text("The launch code is zebra-42.", encoding="utf-8")
    os.symlink("../secret.txt", corpus / "relative-link-out.txt")
    os.symlink(tmp_path / "secret.txt", corpus / "absolute-link-out.txt")
    os.symlink(tmp_path, corpus / "linked-parent-dir")  # a folder link out: not entered, but named as skipped
    os.symlink("loop.txt", corpus / "loop.txt")
    os.symlink("nowhere.txt", corpus / "broken.txt")
    os.mkfifo(corpus / "pipe.txt")  # reading it would block forever
    with open(os.path.join(os.fsencode(corpus), b"caf\xe9 menu.txt"), "wb") as fh:  # a latin-1 file *name*
        fh.write(b"The cafe menu lists tea.")
    reasons = {
        "empty.txt": "empty file",
        "image.txt": "binary file (contains NUL bytes)",
        "cyrillic.txt": "not valid UTF-8 (byte 0x",
        "relative-link-out.txt": "symlink pointing outside the corpus folder, not followed",
        "absolute-link-out.txt": "symlink pointing outside the corpus folder, not followed",
        "linked-parent-dir": "symlinked folder pointing outside the corpus folder, not followed",
        "loop.txt": "symlink loop, not followed",
        "broken.txt": "broken symlink (its target does not exist)",
        "pipe.txt": "not a regular file (a pipe, device or folder)",
        "caf\\xe9 menu.txt": "file name is not valid UTF-8; rename it",
    }
    return corpus, reasons


def test_qa_build_skips_each_bad_file_once_and_says_why(tmp_path: Path) -> None:
    """As a real process: exit 0, one `Warning: skipped <file>: <reason>` per bad file; besides them stderr holds only
    the build's progress (the bar's label, an indented line per indexed file)."""
    corpus, reasons = mixed_corpus(tmp_path)
    done = run_qa("build", "--corpus", corpus, "--index", tmp_path / "index", "--model", FAKE_MODEL, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith(("Building", "  "))]
    assert len(lines) == len(reasons), lines  # no duplicate log lines, no tracebacks
    for name, reason in reasons.items():
        assert sum(line.startswith(f"Warning: skipped {name}: {reason}") for line in lines) == 1, (name, lines)
    assert done.stdout.startswith(f"Built {tmp_path / 'index'}: 4 documents,")
    manifest = read_manifest(tmp_path / "index").to_json()
    assert sorted(s["path"] for s in manifest["skipped"]) == sorted(reasons)
    json.dumps(manifest).encode("utf-8")  # the odd name is stored printable
    # the link targets were not read: the secret is in no passage
    index = open_index(tmp_path / "index")
    assert not any("zebra" in c.text for c in index.chunks)
    assert {c.doc_id for c in index.chunks} == {
        "troops.txt",
        "police.txt",
        "weather.md",
        "sub dir/Bakı ünvanı – notes.md",
    }
    # status and ask neither hang on the pipe, nor follow the links out, nor call the odd name a change
    status = run_qa("status", "--index", tmp_path / "index", timeout=60)
    assert status.returncode == 0 and "state:     fresh" in status.stdout, status.stdout + status.stderr
    ask = run_qa("ask", "Which street are the headquarters on?", "--index", tmp_path / "index", "--json", timeout=60)
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["results"][0]["doc"] == "sub dir/Bakı ünvanı – notes.md"


def test_corpus_changes_never_opens_links_out_or_pipes(tmp_path: Path, hash_encoder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import qa.index.open

    corpus, _ = mixed_corpus(tmp_path)
    build_from_folder(corpus, tmp_path / "index", CONFIG, encoder=hash_encoder)
    opened = []
    real = qa.index.open.file_hash
    monkeypatch.setattr(qa.index.open, "file_hash", lambda path: opened.append(path.name) or real(path))
    assert corpus_changes(read_manifest(tmp_path / "index"), corpus) == []
    assert opened == []  # every file has the size and modification time recorded at build time: none is read
    for path in corpus.rglob("*"):  # touched, not changed: each readable file is hashed once, and found unchanged
        if path.is_file() and not path.is_symlink():
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert corpus_changes(read_manifest(tmp_path / "index"), corpus) == []
    assert sorted(opened) == sorted(
        [
            "troops.txt",
            "police.txt",
            "weather.md",
            "Bakı ünvanı – notes.md",
            "empty.txt",
            "image.txt",
            "cyrillic.txt",
        ]
    )
    (tmp_path / "secret.txt").write_text("Changed outside.", encoding="utf-8")
    assert corpus_changes(read_manifest(tmp_path / "index"), corpus) == []


def test_a_50_mb_file_is_skipped_unread_and_not_hashed_on_every_question(
    tmp_path: Path, hash_encoder, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import qa.index.open

    corpus = make_corpus(tmp_path / "corpus")
    with (corpus / "huge.txt").open("wb") as fh:
        block = b"The archive holds many pages of minutes. " * 25_000  # 1,025,000 bytes
        for _ in range(49):
            fh.write(block)
    assert (corpus / "huge.txt").stat().st_size == 50_225_000
    report = build_from_folder(corpus, tmp_path / "index", CONFIG, encoder=hash_encoder)  # time: benchmarks/limits.py
    assert report.documents == 3
    assert [(s.path, s.reason) for s in report.skipped] == [
        ("huge.txt", "50,225,000 bytes is over the 20,971,520-byte limit; split the file or raise --max-file-mb")
    ]
    hashed = []
    real = qa.index.open.file_hash
    monkeypatch.setattr(qa.index.open, "file_hash", lambda path: hashed.append(path.name) or real(path))
    Engine.open(tmp_path / "index", corpus_dir=corpus, encoder=hash_encoder)  # the freshness check of every `qa ask`
    assert hashed == []  # sizes and modification times match the build: nothing is read
    os.utime(corpus / "police.txt")  # touched: only it is hashed (and found unchanged)
    os.utime(corpus / "huge.txt")
    Engine.open(tmp_path / "index", corpus_dir=corpus, encoder=hash_encoder)
    assert hashed == ["police.txt"]


def test_qa_build_reports_the_50_mb_file_and_its_limit(fake_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    corpus = make_corpus(tmp_path / "corpus")
    with (corpus / "huge.md").open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: the size is what counts, it is never read
    result = fake_cli(
        "build", "--corpus", corpus, "--index", tmp_path / "index", "--model", FAKE_MODEL, "--max-file-mb", "40"
    )
    assert result.exit_code == 0, result.output
    assert "Warning: skipped huge.md: 52,428,800 bytes is over the 40,000,000-byte limit" in result.stderr


def test_thousands_of_tiny_files(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    for i in range(3_000):
        folder = corpus / f"part {i // 500}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{i:04d}.txt").write_text(f"Note {i} records item{i} in the register.\n", encoding="utf-8")
    report = build_from_folder(corpus, tmp_path / "index", CONFIG, encoder=hash_encoder)  # time: benchmarks/limits.py
    assert report.documents == 3_000 and report.chunks == 3_000 and report.skipped == ()
    engine = Engine.open(tmp_path / "index", corpus_dir=corpus, encoder=hash_encoder)
    top = engine.ask("Which note records item2718?", k=3, mode="bm25").results[0]
    assert top.doc == "part 5/note-2718.txt"
    (corpus / "part 1" / "note-0777.txt").write_text("Changed.\n", encoding="utf-8")
    assert corpus_changes(engine.index.manifest, corpus) == ["changed: part 1/note-0777.txt"]


UNPUNCTUATED = {
    "one-line.txt": "Zaqatala border post opened",
    "lines.txt": "Shopping list\n\nbread and butter\n\ngreen tea from Lankaran\n\nfresh tomatoes\n",
    "wrapped.txt": " ".join(f"the convoy passed village{i}" for i in range(400)),  # 1,600 words, no punctuation at all
    "poem.md": "# Song of the border guard\n\nthe river runs\nthe mountain stays\nwe keep the watch\n",
}


def test_files_without_sentence_punctuation_are_indexed_whole(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    """Short unpunctuated lines used to be taken for headings of empty sections: their files had no passage."""
    corpus = make_corpus(tmp_path / "corpus", UNPUNCTUATED)
    report = build_from_folder(corpus, tmp_path / "index", CONFIG, encoder=hash_encoder)
    assert report.documents == 4 and report.skipped == ()
    index = open_index(tmp_path / "index")
    docs = load_corpus(corpus).documents
    for doc in docs:
        words = sorted(doc.text.split())
        passage_words = []
        for chunk in index.chunks:
            if chunk.doc_id == doc.id:
                assert doc.text[chunk.start : chunk.end] == chunk.text
                assert chunk.words <= 150
                passage_words += chunk.text.split()
        heading_words = {"#", "Song", "of", "the", "border", "guard"} if doc.id == "poem.md" else set()
        assert set(words) - heading_words <= set(passage_words), doc.id
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder)
    top = engine.ask("Where is the green tea from?", k=1, mode="bm25").results[0]
    assert top.doc == "lines.txt" and top.answer is not None and top.answer.text == "green tea from Lankaran"
    assert engine.ask("border post", k=1, mode="bm25").results[0].doc == "one-line.txt"
    assert engine.ask("village399", k=1, mode="bm25").results[0].doc == "wrapped.txt"


def test_very_long_lines(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    prose = "".join(f"Sentence {i} of the long line mentions code{i} once. " for i in range(6_000))  # ~330,000 chars
    blob = "A" * 200_000 + " tail-marker"  # a 200,000-character "word" (minified or base64 data)
    corpus = make_corpus(tmp_path / "corpus", {"prose.txt": prose, "blob.txt": blob})
    build_from_folder(corpus, tmp_path / "index", CONFIG, encoder=hash_encoder)  # time: benchmarks/limits.py
    index = open_index(tmp_path / "index")
    texts = {"prose.txt": prose, "blob.txt": blob}
    for chunk in index.chunks:
        assert texts[chunk.doc_id][chunk.start : chunk.end] == chunk.text and chunk.words <= 150
    assert sum(c.doc_id == "prose.txt" for c in index.chunks) > 100
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder)
    assert "code5999" in engine.ask("Which sentence mentions code5999?", k=1, mode="bm25").results[0].text
    assert engine.ask("tail-marker", k=1, mode="bm25").results[0].doc == "blob.txt"


def test_chunking_of_every_kind_of_odd_file_keeps_offsets(tmp_path: Path) -> None:
    corpus, _ = mixed_corpus(tmp_path)
    make_corpus(corpus, UNPUNCTUATED)
    loaded = load_corpus(corpus)
    texts = {d.id: d.text for d in loaded.documents}
    chunks = chunk_corpus(loaded.documents)
    assert {c.doc_id for c in chunks} == set(texts)
    for c in chunks:
        assert texts[c.doc_id][c.start : c.end] == c.text


def test_a_corpus_that_is_not_utf8_at_all_names_the_files(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"old-{i}.txt").write_bytes("Азербайджан".encode("cp1251"))
    with pytest.raises(
        CorpusError, match=r"\(5 skipped: old-0.txt: not valid UTF-8 .*; old-1.txt: .*; old-2.txt: .*\)"
    ):
        load_corpus(tmp_path)


def test_an_empty_file_that_gets_text_makes_the_index_stale(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    """Skipped-but-read files keep their hash: an empty file filled in later used to count as unchanged forever."""
    corpus = make_corpus(tmp_path / "corpus")
    (corpus / "later.txt").write_bytes(b"")
    build_from_folder(corpus, tmp_path / "index", CONFIG, encoder=hash_encoder)
    manifest = read_manifest(tmp_path / "index")
    assert corpus_changes(manifest, corpus) == []
    (corpus / "later.txt").write_text("Now it has a sentence.", encoding="utf-8")
    assert corpus_changes(manifest, corpus) == ["changed: later.txt"]
