"""The document routes over HTTP against the real server (`app.py`): originals and PDF page pictures are
served from inside the corpus folder only; everything else gets a 404 and no byte of the file."""

from __future__ import annotations

import http.client
import io
from urllib.parse import urlparse

import pytest

pytest.register_assert_rewrite("app_fixtures")
from app_fixtures import OUTSIDE_TEXT, PDF_PAGES  # noqa: E402

pytest_plugins = ["app_fixtures"]
pytestmark = pytest.mark.slow


def get(app_server, raw_path: str) -> tuple[int, dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    """GET a raw path, sent exactly as written (no client-side normalization of `..` or percent escapes)."""
    url = urlparse(app_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.putrequest("GET", raw_path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_a_corpus_document_is_served(app_server):
    status, headers, body = get(app_server, "/original/injected.txt")
    assert status == 200
    assert body == (app_server.corpus / "injected.txt").read_bytes()
    assert headers["content-type"].startswith("text/plain")  # the markup inside is never rendered as a page
    assert headers["x-content-type-options"] == "nosniff" and "sandbox" in headers["content-security-policy"]
    status, headers, body = get(app_server, "/original/bridges.pdf")
    assert status == 200 and headers["content-type"] == "application/pdf" and body.startswith(b"%PDF")


@pytest.mark.parametrize(
    "raw_path",
    [
        "/original/../outside.txt",
        "/original/..%2foutside.txt",
        "/original/%2e%2e/outside.txt",
        "/original/%2E%2E%2Foutside.txt",
        "/original/%252e%252e%252foutside.txt",  # double-encoded
        "/original/..%5coutside.txt",  # backslash
        "/original//etc/passwd",
        "/original/%2fetc%2fpasswd",
        "/original/link-out.txt",  # a symlink pointing outside the corpus
        "/original/.secret.txt",  # hidden
        "/original/%2esecret.txt",
        "/original/./injected.txt",
        "/original/missing.txt",
        "/page-image/../outside.txt?page=1",
        "/page-image/%2e%2e/outside.txt?page=1",
        "/page-image/link-out.txt?page=1",
        "/page-image/injected.txt?page=1",  # not a PDF
        "/page-image/bridges.pdf?page=3",  # past the last page
    ],
)
def test_anything_outside_the_corpus_gets_nothing(app_server, raw_path):
    status, _, body = get(app_server, raw_path)
    assert status in (404, 422), (raw_path, status)
    assert OUTSIDE_TEXT.encode() not in body and b"root:" not in body


def test_a_pdf_page_is_served_as_a_picture_with_the_sentence_marked(app_server):
    from PIL import Image

    sentence = PDF_PAGES[1].replace(" ", "%20")
    status, headers, body = get(app_server, f"/page-image/bridges.pdf?page=2&sentence={sentence}")
    assert status == 200 and headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(body)).convert("RGB")
    yellow = sum(
        1
        for x in range(0, image.width, 2)
        for y in range(0, image.height // 4, 2)
        if (lambda p: p[0] > 200 and p[1] > 180 and p[2] < 170)(image.getpixel((x, y)))
    )
    assert yellow > 200  # the translucent box over the sentence
    status, _, plain = get(app_server, "/page-image/bridges.pdf?page=2")
    assert status == 200 and plain != body
