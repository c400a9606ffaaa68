"""The reading view's pure parts (markdown-like text to escaped HTML with the passage marked, offsets checked)
and its route over a real index of real HTML and DOCX files (built here with the hash encoder)."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa.engine import Engine, build_from_folder
from qa.errors import QAError
from qa.index.config import BuildConfig
from qa.web.reading import (
    CSP,
    MAX_VIEW_CHARS,
    STYLE,
    STYLE_HASH,
    ReadingPage,
    check_offsets,
    page_html,
    parse_offset,
    reading_url,
    text_html,
    view_window,
    whole_lines,
)
from qa.web.routes import file_routes

TEXT = (
    "# Harbour <Works>\n\n"
    "The harbour opened in 1901.\n\n"
    "## Cranes & Docks\n\n"
    "- first <b>crane</b>\n"
    "  - nested item\n"
    "- second item\n\n"
    "| Name | Year |\n"
    "| --- | --- |\n"
    "| Dock A | 1905 |\n\n"
    "A paragraph with <script>alert(1)</script> in it.\n"
    "Its second line.\n"
)


class Tags(HTMLParser):
    """The start tags of a fragment with their attributes, and its text: what a browser would build from it."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(fragment: str) -> Tags:
    tags = Tags()
    tags.feed(fragment)
    tags.close()
    return tags


def marked_text(fragment: str) -> str:
    """The text inside the <mark> elements, in order."""
    return "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", fragment, flags=re.S))


def test_blocks_become_headings_lists_tables_and_paragraphs() -> None:
    out = text_html(TEXT, 0, 0, 0)
    names = [tag for tag, _ in parsed(out).tags]
    assert names == ["h1", "p", "h2", "ul", "li", "li", "li", "table", "tr", "td", "td", "tr", "td", "td", "p"]
    assert "<h1>Harbour &lt;Works&gt;</h1>" in out and "<h2>Cranes &amp; Docks</h2>" in out
    assert '<li class="depth-1">nested item</li>' in out
    assert "<td>Dock A</td><td>1905</td>" in out and "---" not in out  # the rule under the header row is dropped
    assert "<p>A paragraph with &lt;script&gt;alert(1)&lt;/script&gt; in it.\nIts second line.</p>" in out


def test_every_character_of_the_text_is_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)"> & <script>x()</script> "quoted" \'single\''
    out = text_html(hostile, 0, 0, len(hostile))
    tags = parsed(out)
    assert [tag for tag, _ in tags.tags] == ["p", "mark"]  # only the page's own elements
    assert "".join(tags.text) == hostile  # the text reads back exactly as the document has it
    assert "<script" not in out and "<img" not in out


def test_the_passage_is_marked_once_with_the_id_then_in_each_block_it_spans() -> None:
    start = TEXT.index("opened")
    end = TEXT.index("nested") + len("nested")
    out = text_html(TEXT, 0, start, end)
    assert out.count('id="passage"') == 1
    first = re.search(r"<mark[^>]*>", out)
    assert first is not None and first.group() == '<mark id="passage">'
    assert marked_text(out) == "opened in 1901.Cranes &amp; Docksfirst &lt;b&gt;crane&lt;/b&gt;nested"
    assert "harbour " not in marked_text(out)  # the text before the passage is not marked


def test_offsets_are_document_offsets_when_the_text_is_a_window() -> None:
    window = TEXT[40:]
    at = 40
    start = TEXT.index("Dock A")
    out = text_html(window, at, start, start + len("Dock A"))
    assert marked_text(out) == "Dock A"


@pytest.mark.parametrize(
    "value", ["-1", "abc", "1e5", "1.5", " 7", "", "0x10", "1" * 13, "٣"]
)  # the last: an Arabic-Indic digit, which int() would accept
def test_an_offset_that_is_not_a_plain_whole_number_is_refused(value: str) -> None:
    with pytest.raises(QAError) as raised:
        parse_offset(value, "start")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("start=") and "open the passage from its card again" in message


@pytest.mark.parametrize("start, end", [(0, 0), (5, 4), (0, 101), (100, 101), (101, 120)])
def test_offsets_outside_the_text_are_refused_in_one_line(start: int, end: int) -> None:
    with pytest.raises(QAError) as raised:
        check_offsets(start, end, 100)
    message = str(raised.value)
    assert "\n" not in message
    assert f"{start}..{end}" in message and "100 characters" in message and "open the passage" in message


def test_offsets_inside_the_text_pass() -> None:
    check_offsets(0, 100, 100)
    check_offsets(99, 100, 100)
    assert parse_offset("0", "start") == 0 and parse_offset("123456", "end") == 123456


def test_a_long_document_is_shown_as_a_window_around_the_passage_in_whole_lines() -> None:
    assert view_window(10, 20, 1000, limit=5000) == (0, 1000)
    a, b = view_window(50_000, 50_100, 1_000_000, limit=10_000)
    assert a <= 50_000 and b >= 50_100 and b - a == 10_000
    assert view_window(10, 20, 1_000_000, limit=10_000) == (0, 10_000)  # at the start: the window starts at 0
    assert view_window(999_990, 1_000_000, 1_000_000, limit=10_000) == (990_000, 1_000_000)
    document = "line one\nline two\nline three\nline four\n"
    text, at = whole_lines(document[5:30], 5, len(document))
    assert (text, at) == ("line two\nline three", 9) and document[at : at + len(text)] == text


def test_page_has_a_download_link_relative_to_its_url_and_a_style_allowed_by_its_hash() -> None:
    text = "# Title\n\nBody text.\n"
    page = page_html(ReadingPage("sub/dir/report.docx", text, 0, 9, 19, len(text)))
    assert 'href="../../../original/sub/dir/report.docx?download=1" download' in page
    assert '<mark id="passage">Body text.</mark>' in page
    digest = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
    assert f"sha256-{digest}" == STYLE_HASH and f"<style>{STYLE}</style>" in page
    assert "script-src" not in CSP and "default-src 'none'" in CSP and "'unsafe-inline'" not in CSP
    assert reading_url("sub/a b.html", 3, 9) == "read/sub/a%20b.html?start=3&end=9#passage"


# ---------------------------------------------------------------- the route, over a real index

PAGE = (
    "<html><head><title>Lighthouse</title><script>window.__pwned = 1</script></head><body>"
    "<h1>Lighthouse log</h1><p>The keeper writes &lt;script&gt;alert(2)&lt;/script&gt; in the log.</p>"
    "<ul><li>Lamp oil arrives on Mondays.</li></ul>"
    "<table><tr><td>Keeper</td><td>Ada Lind</td></tr></table></body></html>"
)


def write_docx(path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_heading("Ferry timetable", level=1)
    document.add_paragraph("The ferry leaves the quay at seven.")
    document.add_paragraph("Tickets are sold on board — café prices.", style="List Bullet")
    document.save(str(path))


@pytest.fixture
def served(tmp_path: Path, hash_encoder) -> tuple[TestClient, Engine, Path]:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "light.html").write_text(PAGE, encoding="utf-8")
    write_docx(corpus / "ferry.docx")
    (corpus / ".hidden.txt").write_text("secret words\n", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("outside words\n", encoding="utf-8")
    (corpus / "link-out.txt").symlink_to(tmp_path / "outside.txt")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False)
    (corpus / "later.txt").write_text("added after the build\n", encoding="utf-8")  # in the folder, not indexed
    app = FastAPI()
    app.include_router(file_routes(corpus, lambda: engine.index.chunks))
    with TestClient(app) as client:
        yield client, engine, corpus
    engine.close()


def test_the_route_shows_the_indexed_text_with_the_passage_marked(served) -> None:  # type: ignore[no-untyped-def]
    client, engine, _ = served
    for doc, words in (
        ("sub/light.html", "Lamp oil arrives on Mondays."),
        ("ferry.docx", "café prices."),
    ):
        text = engine.index.chunks.document(doc).text
        assert engine.index.chunks.text_length(doc) == len(text)  # characters, not bytes: "—" and "é" count once
        start = text.index(words)
        response = client.get(f"/read/{doc}", params={"start": start, "end": start + len(words)})
        assert response.status_code == 200, response.text
        assert response.headers["content-security-policy"] == CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert f'<mark id="passage">{words}</mark>' in response.text
    page = client.get("/read/sub/light.html", params={"start": 0, "end": 5}).text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page  # text that looks like markup stays text
    assert "__pwned" not in page and "<script" not in page  # the page's own script was never indexed text
    assert "<h1>" in page and "<li>" in page and "<td>Ada Lind</td>" in page


def test_the_download_link_gets_the_original_as_an_attachment(served) -> None:  # type: ignore[no-untyped-def]
    client, _, corpus = served
    response = client.get("/original/sub/light.html", params={"download": 1})
    assert response.status_code == 200 and response.content == (corpus / "sub" / "light.html").read_bytes()
    assert response.headers["content-disposition"].startswith("attachment")
    assert client.get("/original/sub/light.html").headers["content-disposition"].startswith("inline")


@pytest.mark.parametrize(
    "params",
    [{"start": 0, "end": 100_000}, {"start": 10, "end": 10}, {"start": -1, "end": 5}, {"start": "x", "end": 5}, {}],
)
def test_the_route_refuses_bad_offsets_in_one_line(served, params) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = served
    response = client.get("/read/ferry.docx", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "\n" not in response.text.strip() and "open the passage from its card again" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/read/../outside.txt",
        "/read/%2e%2e/outside.txt",
        "/read/link-out.txt",
        "/read/.hidden.txt",
        "/read/missing.html",
        "/read/sub",
    ],
)
def test_the_route_serves_nothing_outside_the_corpus(served, path: str) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = served
    response = client.get(path, params={"start": 0, "end": 3})
    assert response.status_code == 404
    assert "words" not in response.text


def test_a_document_the_index_does_not_hold_is_refused(served) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = served
    response = client.get("/read/later.txt", params={"start": 0, "end": 3})
    assert response.status_code == 404 and "not in the served index" in response.text
    assert "added after" not in response.text


def test_a_long_document_shows_a_window_around_the_passage(tmp_path: Path, hash_encoder) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [f"Line {n} of the harbour ledger records {n % 13} crates of salt." for n in range(1, 9001)]
    (corpus / "ledger.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    build_from_folder(corpus, tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder)
    engine = Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False)
    try:
        app = FastAPI()
        app.include_router(file_routes(corpus, lambda: engine.index.chunks))
        text = engine.index.chunks.document("ledger.txt").text
        assert len(text) > MAX_VIEW_CHARS
        words = "Line 4500 of the harbour ledger"
        start = text.index(words)
        with TestClient(app) as client:
            page = client.get("/read/ledger.txt", params={"start": start, "end": start + len(words)}).text
        assert f'<mark id="passage">{words}</mark>' in page
        assert f"of {len(text):,}, around the passage" in page
        body = page.split("<main>", 1)[1]
        assert len(body) < MAX_VIEW_CHARS * 1.2 and "Line 1 of" not in body and "Line 9000 of" not in body
        assert body.startswith("<p>Line ")  # cut back to whole lines
    finally:
        engine.close()
