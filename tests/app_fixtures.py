"""Fixtures for the web app tests: a real index (real model) of a corpus copy with an HTML-injection file,
`app.py` running on a free 127.0.0.1 port, and a Chromium page (Debian's /usr/bin/chromium) that records
every request and is screenshotted into tests/artifacts/ when a test fails.

Loaded as a plugin by the app test modules (`pytest_plugins = ["app_fixtures"]`), so the app starts once
per session however many of them run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INJECTED = (
    '<script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2"> '
    "The Internal Troops band marches with 115 members.\n"
)
BAND_QUESTION = "How many members does the band of the Internal Troops have?"
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
}
START_TIMEOUT = 240
OUTSIDE_NAME = "outside.txt"
OUTSIDE_TEXT = "This file is outside the corpus folder and must never be served.\n"
SCRIPTED_HTML = (
    "<html><head><title>Garden</title><script>window.__pwned = 3</script></head><body><h1>Garden</h1>"
    '<p>The garden gnome wears a red hat.</p><img src=x onerror="window.__pwned = 4"></body></html>\n'
)
PDF_PAGES = (
    "Page one is about rivers and the mountains around them.",
    "The Quorvak bridge was painted green in 1931 by volunteers.",
)
# Long non-PDF documents for the reading view: the answer is far below the first screen of each, in text that
# looks like markup (it must show as text); and a short one the Index tab removes and restores.
LIGHTHOUSE_QUESTION = "What does the keeper of Kestrel Point polish every Thursday?"
LIGHTHOUSE_FACT = "The keeper of Kestrel Point polishes the brass lens every Thursday"
FERRY_QUESTION = "How many bicycles does the Morrow Sound ferry carry on the evening crossing?"
FERRY_FACT = "The Morrow Sound ferry carries forty-two bicycles on the evening crossing"
OTTERS_DOC = "otters.md"
OTTERS_QUESTION = "Where do the otters of Fenwick Mere sleep in winter?"
OTTERS = (
    "# Otters of Fenwick Mere\n\nThe otters of Fenwick Mere sleep in the hollow willow roots in winter.\n\n"
    "## Counting\n\nVolunteers count eleven otters each spring along the eastern reed beds.\n"
)


def filler(topic: str, count: int) -> list[str]:
    """`count` distinct paragraphs about `topic`, so the answer lies several screens down."""
    return [
        f"Log entry {n} on the {topic}: the morning tide stood at {n % 7 + 1} metres, the wind came from the "
        f"{('north', 'east', 'south', 'west')[n % 4]}, and {n + 2} visitors signed the book before noon."
        for n in range(1, count + 1)
    ]


def lighthouse_html() -> str:
    rows = "".join(f"<p>{html_escape(p)}</p>" for p in filler("tower", 30))
    return (
        "<html><head><title>Kestrel Point</title><script>window.__pwned = 7</script></head><body><main>"
        f"<h1>Kestrel Point Lighthouse</h1>{rows}<h2>Duties</h2><ul><li>Wind the clockwork.</li>"
        "<li>Trim the wicks.</li></ul><table><tr><th>Day</th><th>Task</th></tr><tr><td>Thursday</td>"
        f"<td>Lens</td></tr></table><p>{LIGHTHOUSE_FACT} and writes &lt;script&gt;window.__pwned=5&lt;/script&gt; "
        "on the cloth so nobody borrows it.</p><p>The lamp burns colza oil.</p></main></body></html>\n"
    )


def ferry_docx(path: Path) -> Path:
    """A DOCX (python-docx) with headings, a list, a table and the answer near its end."""
    from docx import Document

    document = Document()
    document.add_heading("Morrow Sound Ferry", level=1)
    for paragraph in filler("ferry", 30):
        document.add_paragraph(paragraph)
    document.add_heading("Timetable", level=2)
    document.add_paragraph("Morning crossing at seven.", style="List Bullet")
    document.add_paragraph("Evening crossing at six.", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ("Crossing", "Minutes", "Morrow to Skell", "40")):
        cell.text = text
    document.add_paragraph(f"{FERRY_FACT}; its deck sign reads <script>window.__pwned=6</script> as a joke.")
    document.add_paragraph("Tickets are sold on board.")
    document.save(str(path))
    return path


def two_page_pdf(path: Path, pages: tuple[str, ...]) -> Path:
    """A PDF with one paragraph of text per page (fpdf2, core font)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


@dataclass
class AppServer:
    url: str
    corpus: Path
    index: Path
    log: Path
    process: subprocess.Popen
    ready_seconds: float

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class RecordedPage:
    page: object  # playwright Page
    requests: list[str] = field(default_factory=list)

    def outside_requests(self) -> list[str]:
        """Requests to any host but 127.0.0.1 (data: and blob: URLs never leave the page)."""
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname != "127.0.0.1":
                out.append(url)
        return out


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def offline_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(OFFLINE_ENV)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"app.py exited with code {process.returncode} before serving; log:\n"
                + log.read_text(encoding="utf-8", errors="replace")[-4000:]
            )
        try:
            with urllib.request.urlopen(url + "gradio_api/info", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.5)
    raise RuntimeError(
        f"app.py did not answer at {url} within {timeout:.0f} s ({last_error}); log:\n"
        + log.read_text(encoding="utf-8", errors="replace")[-4000:]
    )


@pytest.fixture(scope="session")
def app_index(tmp_path_factory, real_encoder) -> tuple[Path, Path]:
    """(corpus, index): a copy of corpus/ plus injected.txt, indexed with the real bundled model."""
    from qa.engine import build_from_folder

    folder = tmp_path_factory.mktemp("app")
    corpus = folder / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "injected.txt").write_text(INJECTED, encoding="utf-8")
    # for the document routes: a file beside the corpus, a link to it from inside, a hidden file, a PDF
    (folder / OUTSIDE_NAME).write_text(OUTSIDE_TEXT, encoding="utf-8")
    (corpus / "link-out.txt").symlink_to(folder / OUTSIDE_NAME)
    (corpus / ".secret.txt").write_text(OUTSIDE_TEXT, encoding="utf-8")
    two_page_pdf(corpus / "bridges.pdf", PDF_PAGES)
    (corpus / "garden.html").write_text(SCRIPTED_HTML, encoding="utf-8")
    (corpus / "kestrel-point.html").write_text(lighthouse_html(), encoding="utf-8")
    ferry_docx(corpus / "morrow-ferry.docx")
    (corpus / OTTERS_DOC).write_text(OTTERS, encoding="utf-8")
    build_from_folder(corpus, folder / "index", encoder=real_encoder)
    return corpus, folder / "index"


@pytest.fixture(scope="session")
def app_server(app_index) -> AppServer:
    """`python app.py` on a free 127.0.0.1 port over the built index; stopped at the end of the session."""
    corpus, index = app_index
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = index.parent / "app.log"
    began = time.monotonic()
    with log.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "app.py"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--corpus",
                str(corpus),
                "--index",
                str(index),
            ],
            cwd=ROOT,
            env=offline_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, process, log, START_TIMEOUT)
        yield AppServer(url, corpus, index, log, process, time.monotonic() - began)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; a missing browser is a failure, never a skip."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def app_page(request, browser, app_server) -> RecordedPage:
    """A fresh page on the app that records every request URL; screenshotted on failure."""
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(30_000)
    recorded = RecordedPage(page)
    page.on("request", lambda req: recorded.requests.append(req.url))
    page.goto(app_server.url)
    page.wait_for_selector("#qa-question textarea, #qa-question input")
    try:
        yield recorded
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)
            except Exception as exc:  # the screenshot must not hide the real failure
                print(f"could not save a failure screenshot: {exc}")
        context.close()
