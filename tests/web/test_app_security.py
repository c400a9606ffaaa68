"""The app as an attacker meets it, against the real server (`app.py` on 127.0.0.1, real HTTP):

- every event that takes a file (found in the app's own config, so a new one is covered too) refuses a file
  value naming a server path, and nothing reaches the corpus, the index or Gradio's folders;
- uploads that the build would skip are refused before anything is written, and their upload copies deleted;
- requests naming a foreign Host or Origin get a 403 on every route, the queue and its event stream included.
"""

from __future__ import annotations

import html
import http.client
import io
import os
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytest.register_assert_rewrite("app_fixtures")
from app_fixtures import free_port  # noqa: E402
from gradio_queue import (  # noqa: E402
    app_config,
    event_inputs,
    file_data,
    file_events,
    many,
    run_event,
    upload,
)

from qa.web.uploads import UPLOADS_FOLDER  # noqa: E402

pytest_plugins = ["app_fixtures"]
pytestmark = pytest.mark.slow

MARKER = "quartz-heron-7741: this server file must never reach the corpus"
REFUSED_BY_US = "was not uploaded through this page"


def corpus_listing(corpus: Path) -> list[str]:
    return sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if ".removed" not in p.parts)


def files_holding(root: Path, marker: bytes) -> list[Path]:
    """Regular files (links not followed) under `root` whose bytes contain `marker`."""
    found = []
    for dirpath, _dirs, names in os.walk(root, followlinks=False):
        for name in names:
            path = Path(dirpath) / name
            try:
                if not path.is_symlink() and path.is_file() and marker in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


def uploads_left(app_server) -> list[Path]:  # type: ignore[no-untyped-def]
    """Upload copies still waiting in the app's upload folder (Gradio's empty helper folders aside)."""
    folder = app_server.index / UPLOADS_FOLDER
    return [p for p in folder.rglob("*") if p.is_file() or p.is_symlink()]


def send_file_value(app_server, event: dict, config: dict, path: str) -> dict:  # type: ignore[no-untyped-def]
    def value(component: dict):  # type: ignore[no-untyped-def]
        return [file_data(path)] if many(component) else file_data(path)

    return run_event(app_server.url, event["id"], event_inputs(config, event, value))


@pytest.fixture(scope="module")
def config(app_server) -> dict:  # type: ignore[no-untyped-def]
    return app_config(app_server.url)


def test_the_file_events_are_found(config):
    names = {event["api_name"] for event in file_events(config)}
    assert {"ui_add", "ui_evaluate"} <= names  # the enumeration below is not vacuous


def test_no_file_event_takes_a_server_path(app_server, config, tmp_path):
    """A FileData naming any server path (existing or not, reached through a link or `..`) is refused by every
    file event before its handler runs, with the same answer whether or not the path exists."""
    secret_md, secret_txt = tmp_path / "notes.md", tmp_path / "hostname.txt"
    secret_md.write_text(f"# Notes\n\n{MARKER}\n", encoding="utf-8")
    secret_txt.write_text(f"{MARKER}\n", encoding="utf-8")
    uploads = app_server.index.resolve() / UPLOADS_FOLDER
    (uploads / "planted-link").mkdir(parents=True, exist_ok=True)
    link = uploads / "planted-link" / "notes.md"
    link.unlink(missing_ok=True)
    link.symlink_to(secret_md)
    before = corpus_listing(app_server.corpus)
    paths = [
        str(secret_md),
        str(secret_txt),
        str(tmp_path / "missing.md"),
        "/etc/hostname.txt",
        str(link),
        f"{uploads}/{os.path.relpath(secret_md, uploads)}",  # through the upload folder and out again with ..
        f"{uploads}/../../{app_server.corpus.name}/injected.txt",  # a corpus document (blocked for Gradio)
        os.path.relpath(secret_md),
    ]  # relative to the server's working folder
    try:
        for event in file_events(config):
            replies = {}
            for path in paths:
                reply = send_file_value(app_server, event, config, path)
                assert reply["success"] is False, (event["api_name"], path, reply)
                replies[path] = reply["output"]
            assert replies[str(secret_md)] == replies[str(tmp_path / "missing.md")]  # says nothing about existence
    finally:
        link.unlink(missing_ok=True)
    assert corpus_listing(app_server.corpus) == before
    assert files_holding(app_server.corpus, MARKER.encode()) == []
    assert files_holding(app_server.index, MARKER.encode()) == []
    assert files_holding(Path(tempfile.gettempdir()) / "gradio", MARKER.encode()) == []
    assert uploads_left(app_server) == []


def test_a_file_put_in_the_upload_folder_by_other_means_is_refused_by_the_handlers(app_server, config):
    """Gradio lets a file inside its upload folder through; the handlers take only what its upload route wrote."""
    planted = app_server.index.resolve() / UPLOADS_FOLDER / "planted" / "notes.txt"  # a type both controls take
    before = corpus_listing(app_server.corpus)
    for event in file_events(config):
        planted.parent.mkdir(parents=True, exist_ok=True)
        planted.write_text(f"{MARKER}\n", encoding="utf-8")
        reply = send_file_value(app_server, event, config, str(planted))
        assert reply["success"] is True, reply
        shown = " ".join(str(part) for part in reply["output"]["data"])
        assert REFUSED_BY_US in shown and "notes.txt" in shown, (event["api_name"], shown)
        assert not planted.exists()  # refused and deleted
    assert corpus_listing(app_server.corpus) == before
    assert files_holding(app_server.corpus, MARKER.encode()) == []


def add_event(config: dict) -> dict:
    return next(e for e in file_events(config) if e["api_name"] == "ui_add")


def fake_docx() -> bytes:
    """A ZIP archive named .docx, without the Word body a real one has."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a Word document")
    return out.getvalue()


REFUSED_UPLOADS = {
    "setup.pdf": (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(4000), "does not match the content"),
    "report.docx": (fake_docx(), "without word/document.xml"),
    "binary.txt": (b"The first line is text.\n\x00\x01\x02 then binary", "NUL bytes"),
    "cyrillic.md": ("# Меню\n\nКрем-брюле.\n".encode("cp1251"), "not valid UTF-8"),
    "empty.html": (b"", "is empty"),
}


def test_uploads_the_build_would_skip_are_refused_before_anything_is_saved(app_server, config):
    before = corpus_listing(app_server.corpus)
    uploaded = upload(app_server.url, [(name, data) for name, (data, _) in REFUSED_UPLOADS.items()])
    assert uploaded.status_code == 200, uploaded.text
    paths = uploaded.json()
    assert len(paths) == len(REFUSED_UPLOADS)
    folder = app_server.index.resolve() / UPLOADS_FOLDER
    assert all(Path(p).parent.parent == folder for p in paths)  # Gradio keeps uploads in the app's own folder
    reply = run_event(
        app_server.url,
        add_event(config)["id"],
        event_inputs(config, add_event(config), lambda c: [file_data(p) for p in paths]),
    )
    assert reply["success"] is True, reply
    panel = reply["output"]["data"][1]  # the upload status: one row per file, refused ones with the reason
    for name, (_, reason) in REFUSED_UPLOADS.items():
        row = panel.split(f'data-file="{name}"', 1)[1].split("</tr>", 1)[0]
        assert 'data-state="refused"' in row and reason in html.unescape(row), (name, row)
    assert 'data-state="queued"' not in panel and 'data-state="reading"' not in panel  # nothing was saved to index
    assert corpus_listing(app_server.corpus) == before  # nothing written, so nothing left to skip at every build
    assert uploads_left(app_server) == []  # and the upload copies are gone


def test_a_file_over_the_build_limit_is_refused_while_it_uploads(app_server):
    from qa.index.config import BuildConfig

    limit = BuildConfig().max_file_bytes
    response = upload(app_server.url, [("big.txt", b"a" * (limit + 1))])
    assert response.status_code == 413, response.text
    assert uploads_left(app_server) == []


def test_a_bad_gold_upload_is_named_and_deleted(app_server, config):
    evaluate = next(e for e in file_events(config) if e["api_name"] == "ui_evaluate")
    uploaded = upload(app_server.url, [("broken-gold.jsonl", b'{"question": "Who?", "answers": ["\xff"]}\n')])
    assert uploaded.status_code == 200, uploaded.text
    (path,) = uploaded.json()
    reply = run_event(app_server.url, evaluate["id"], event_inputs(config, evaluate, lambda c: file_data(path)))
    assert reply["success"] is True, reply
    message = reply["output"]["data"][0]
    assert "broken-gold.jsonl" in message and "not UTF-8" in message and str(app_server.index) not in message
    assert reply["output"]["data"][-1] is None  # the control is emptied
    assert uploads_left(app_server) == []


# ------------------------------------------------------------------ Host and Origin


def request(app_server, method: str, path: str, headers: dict[str, str], body: bytes = b""):  # type: ignore[no-untyped-def]
    """One raw request with exactly these headers (Host included); returns (status, body)."""
    url = urlparse(app_server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Type", "application/json")
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


JOIN = b'{"data": ["x", 1, "hybrid"], "fn_index": 0, "session_hash": "hostcheck01"}'
ROUTES = [
    ("GET", "/", b""),
    ("GET", "/config", b""),
    ("POST", "/gradio_api/queue/join", JOIN),
    ("GET", "/gradio_api/queue/data?session_hash=hostcheck01", b""),
    ("GET", "/original/injected.txt", b""),
    ("GET", "/page-image/bridges.pdf?page=1", b""),
    ("GET", "/gradio_api/info", b""),
    ("POST", "/gradio_api/upload", b"{}"),
]


@pytest.mark.parametrize("method, path, body", ROUTES)
@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",
        "evil.example",
        "localhost.evil.example:{port}",
        "127.0.0.1.nip.io:{port}",
        "[::2]:{port}",
        "localhost@evil.example",
    ],
)
def test_a_foreign_host_gets_403_on_every_route(app_server, method, path, body, host):
    port = urlparse(app_server.url).port
    status, answer = request(app_server, method, path, {"Host": host.format(port=port)}, body)
    assert status == 403, (path, host, status, answer[:200])
    text = answer.decode("utf-8")
    assert text.count("\n") == 1 and "--allow-host" in text and "injected" not in text.lower()


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LOCALHOST:{port}", "localhost"]
)
def test_the_local_names_are_answered(app_server, host):
    port = urlparse(app_server.url).port
    for path in ("/", "/original/injected.txt", "/page-image/bridges.pdf?page=1"):
        status, _ = request(app_server, "GET", path, {"Host": host.format(port=port)})
        assert status == 200, (path, host, status)


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://evil.example:{port}",
        "null",
        "http://localhost.evil.example:{port}",
        "file://",
        "http://127.0.0.1:{port}/x",
    ],
)
def test_a_foreign_origin_is_refused(app_server, origin):
    port = urlparse(app_server.url).port
    headers = {"Host": f"127.0.0.1:{port}", "Origin": origin.format(port=port)}
    for method, path, body in (
        ("POST", "/gradio_api/queue/join", JOIN),
        ("GET", "/original/injected.txt", b""),
        ("GET", "/gradio_api/queue/data?session_hash=hostcheck01", b""),
    ):
        status, answer = request(app_server, method, path, headers, body)
        assert status == 403, (origin, path, status, answer[:200])


@pytest.mark.parametrize("origin", ["http://127.0.0.1:{port}", "http://localhost:{other}", "http://[::1]:{port}"])
def test_the_app_s_own_origins_are_answered(app_server, origin):
    port = urlparse(app_server.url).port
    headers = {"Host": f"127.0.0.1:{port}", "Origin": origin.format(port=port, other=free_port())}
    status, _ = request(app_server, "GET", "/original/injected.txt", headers)
    assert status == 200
    status, answer = request(app_server, "POST", "/gradio_api/queue/join", headers, JOIN)
    assert status == 200, answer[:200]  # the event is queued
