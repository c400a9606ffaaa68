"""The Host/Origin check (`qa.web.hosts`): the pure decision on header values, the middleware on websocket and
lifespan scopes, and `app_with_routes` served by a real uvicorn with `--allow-host` names (a small Blocks app,
so no model is needed); `app.py` refuses a bad `--allow-host` in one line."""

from __future__ import annotations

import asyncio
import http.client
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa.web.hosts import (
    HostOriginMiddleware,
    allowed_hosts,
    host_name,
    origin_host,
    refusal,
)

ROOT = Path(__file__).resolve().parents[2]
LOCAL = allowed_hosts("127.0.0.1")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("127.0.0.1:7860", "127.0.0.1"),
        ("LocalHost:80", "localhost"),
        ("localhost.", "localhost"),
        ("[::1]:7860", "[::1]"),
        ("::1", "[::1]"),
        ("myhost.lan", "myhost.lan"),
        ("evil.example:7860", "evil.example"),
        ("localhost@evil.example", None),
        ("evil.example/x", None),
        ("", None),
        (None, None),
        ("a b", None),
        ("[::1", None),
        ("localhost:port", None),
    ],
)
def test_host_names_are_parsed_strictly(value, expected) -> None:  # type: ignore[no-untyped-def]
    assert host_name(value) == expected


def test_the_default_hosts_are_the_bound_one_and_the_loopback_names() -> None:
    assert {"localhost", "127.0.0.1", "[::1]"} == LOCAL
    assert allowed_hosts("0.0.0.0", ["MyHost.lan", "192.168.1.20"]) == LOCAL | {"0.0.0.0", "myhost.lan", "192.168.1.20"}
    with pytest.raises(ValueError, match="--allow-host 'bad host' is not a host name"):
        allowed_hosts("127.0.0.1", ["bad host"])


@pytest.mark.parametrize("host", ["127.0.0.1:7860", "localhost:1", "[::1]:7860", "LOCALHOST", "127.0.0.1"])
def test_local_hosts_without_origin_are_allowed(host: str) -> None:
    assert refusal(host, None, LOCAL) is None


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:7860",
        "127.0.0.1.nip.io",
        "localhost.evil.example",
        "[::2]:7860",
        "192.168.1.20:7860",
        None,
        "",
        "localhost@evil.example",
        "localhost:7860, evil.example",
    ],
)
def test_foreign_hosts_are_refused_in_one_line(host) -> None:  # type: ignore[no-untyped-def]
    reason = refusal(host, None, LOCAL)
    assert reason is not None and reason.startswith("Host ") and "\n" not in reason and "--allow-host" in reason


@pytest.mark.parametrize(
    "origin, allowed",
    [
        ("http://127.0.0.1:7860", True),
        ("http://localhost:5173", True),
        ("https://[::1]:7860", True),
        ("http://evil.example", False),
        ("null", False),
        ("file://", False),
        ("http://localhost.evil.example:7860", False),
        ("http://127.0.0.1:7860/path", False),
        ("ftp://127.0.0.1", False),
        ("http://user@127.0.0.1:7860", False),
    ],
)
def test_origins_must_be_allowed_hosts(origin: str, allowed: bool) -> None:
    assert (refusal("127.0.0.1:7860", origin, LOCAL) is None) is allowed
    assert (origin_host(origin) in LOCAL) is allowed


def run_asgi(app, scope: dict) -> list[dict]:  # type: ignore[no-untyped-def]
    """Call an ASGI app once with `scope`; the messages it sent."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"} if scope["type"] == "websocket" else {"type": "lifespan.startup"}

    async def send(message: dict) -> None:
        sent.append(message)

    with ThreadPoolExecutor(1) as pool:  # its own thread and loop: Playwright may hold a running loop in this one
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return sent


async def accepting_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """The app behind the middleware: accepts a websocket, finishes a lifespan start-up."""
    await receive()
    await send({"type": "websocket.accept"} if scope["type"] == "websocket" else {"type": "lifespan.startup.complete"})


def test_a_websocket_from_a_foreign_host_or_origin_is_closed_before_it_opens() -> None:
    guarded = HostOriginMiddleware(accepting_app, LOCAL)
    base = {"type": "websocket", "path": "/ws"}
    assert run_asgi(guarded, {**base, "headers": [(b"host", b"127.0.0.1:7860")]}) == [{"type": "websocket.accept"}]
    for headers in (
        [(b"host", b"evil.example:7860")],
        [(b"host", b"127.0.0.1:7860"), (b"origin", b"http://evil.example")],
    ):
        (message,) = run_asgi(guarded, {**base, "headers": headers})
        assert message["type"] == "websocket.close" and message["code"] == 1008
    assert run_asgi(guarded, {"type": "lifespan"}) == [{"type": "lifespan.startup.complete"}]  # start-up passes


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """`app_with_routes` over a small Blocks app and a one-file corpus, on a real uvicorn, allowing `qa.lan`."""
    import gradio as gr
    import uvicorn
    from app_fixtures import free_port

    from qa.web.routes import app_with_routes

    corpus = tmp_path_factory.mktemp("hosts") / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("a note\n", encoding="utf-8")
    with gr.Blocks(analytics_enabled=False) as demo:
        box = gr.Textbox()
        gr.Button().click(lambda text: text, box, box)
    port = free_port()
    app = app_with_routes(
        demo,
        corpus,
        {"ssr_mode": False, "mcp_server": False},
        "127.0.0.1",
        port,
        allow_hosts=("qa.lan", "192.168.1.20"),
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        time.sleep(0.1)
    yield port
    server.should_exit = True
    thread.join(timeout=30)


def status_of(port: int, path: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest("GET", path, skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        return connection.getresponse().status  # the body is not read: an event stream never ends
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/", "/original/note.txt", "/config", "/gradio_api/queue/data?session_hash=x"])
def test_allow_host_names_are_answered_and_others_refused(small_server, path) -> None:  # type: ignore[no-untyped-def]
    port = small_server
    for host in ("qa.lan", f"qa.lan:{port}", f"192.168.1.20:{port}", f"localhost:{port}", f"127.0.0.1:{port}"):
        assert status_of(port, path, {"Host": host}) != 403, host
    for host in (f"evil.example:{port}", f"other.lan:{port}", f"192.168.1.21:{port}"):
        assert status_of(port, path, {"Host": host}) == 403, host
    assert status_of(port, path, {"Host": "qa.lan", "Origin": "http://qa.lan:8080"}) != 403
    assert status_of(port, path, {"Host": "qa.lan", "Origin": "http://evil.example"}) == 403


def test_app_py_refuses_a_bad_allow_host_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--allow-host", "bad host", "--index", "/nonexistent"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        (
            "Error: --allow-host 'bad host' is not a host name or address; "
            "give a name such as myhost.lan or an address such as 192.168.1.20"
        )
    ]
