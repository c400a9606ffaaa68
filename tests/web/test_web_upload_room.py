"""Uploads wait in the app's upload folder until saved or refused; a client cannot fill the disk with them."""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from pathlib import Path

import pytest

from qa.web.uploads import folder_bytes, room_refusal

MB = 1024 * 1024


def test_room_refusal_names_what_waits_the_limit_and_the_fix() -> None:
    assert room_refusal(0, 10 * MB, 512 * MB) is None
    assert room_refusal(500 * MB, 12 * MB, 512 * MB) is None
    reason = room_refusal(500 * MB, 13 * MB, 512 * MB)
    assert reason is not None and "500 MB" in reason and "13 MB" in reason and "512 MB" in reason
    assert "wait" in reason and "\n" not in reason


def test_folder_bytes_counts_files_not_what_links_point_to(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.bin").write_bytes(b"x" * 1000)
    (tmp_path / "two.bin").write_bytes(b"y" * 500)
    outside = tmp_path.parent / f"big-{uuid.uuid4().hex}.bin"
    outside.write_bytes(b"z" * 100_000)
    (tmp_path / "link.bin").symlink_to(outside)
    try:
        assert 1500 <= folder_bytes(tmp_path) < 1500 + 4096  # the link itself, never its 100 KB target
    finally:
        outside.unlink()


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """`app_with_routes` over a Blocks app with a file input, on a real uvicorn, keeping 1 MB for uploads."""
    import gradio as gr
    import uvicorn
    from app_fixtures import free_port

    from qa.web.routes import app_with_routes

    root = tmp_path_factory.mktemp("room")
    corpus, uploads = root / "corpus", root / "uploads"
    corpus.mkdir()
    uploads.mkdir()
    (corpus / "note.txt").write_text("a note\n", encoding="utf-8")
    with gr.Blocks(analytics_enabled=False) as demo:
        gr.File()
    port = free_port()
    app = app_with_routes(
        demo, corpus, {"ssr_mode": False, "mcp_server": False}, "127.0.0.1", port, (), uploads, 1 * MB
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        time.sleep(0.1)
    yield port, uploads
    server.should_exit = True
    thread.join(timeout=30)


def upload(port: int, payload: bytes) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="doc.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            "/gradio_api/upload",
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Host": f"127.0.0.1:{port}"},
        )
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_an_upload_is_refused_while_waiting_uploads_fill_the_room(upload_server) -> None:  # type: ignore[no-untyped-def]
    port, uploads = upload_server
    status, _ = upload(port, b"small document\n" * 100)
    assert status == 200
    filler = uploads / "waiting.bin"
    filler.write_bytes(b"\0" * (1 * MB))
    try:
        before = sorted(p for p in uploads.rglob("*"))
        status, text = upload(port, b"another document\n" * 100)
        assert status == 413 and "MB the app keeps for uploads" in text
        assert sorted(p for p in uploads.rglob("*")) == before  # nothing written
    finally:
        filler.unlink()
    status, _ = upload(port, b"small document again\n" * 100)
    assert status == 200
