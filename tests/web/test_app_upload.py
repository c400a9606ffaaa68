"""Adding and removing documents from the Index tab in a real browser, against `app.py` on 127.0.0.1.

Leaves the served corpus and index as it found them (the document is removed again through the page), so it
runs in any order with the other app tests.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.register_assert_rewrite("app_fixtures")
from app_fixtures import ARTIFACTS, BAND_QUESTION  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytest_plugins = ["app_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION_BOX = "#qa-question textarea, #qa-question input"
UPDATE_TIMEOUT = 180_000
GLASSWORKS = (
    "# Vendrell Glassworks\n\n## Furnace\n\nThe Vendrell glassworks melts its sand in a furnace the "
    "workers call Old Ottoline, lit every winter since 1887.\n"
)
QUESTION = "What do the workers call the furnace of the Vendrell glassworks?"


def upload_copies(app_server) -> list[str]:  # type: ignore[no-untyped-def]
    """Files still waiting in the app's upload folder (`<index>/.uploads`)."""
    return [p.name for p in (app_server.index / ".uploads").rglob("*") if p.is_file()]


def ask(page, question: str):  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Ask").click()
    box = page.locator(QUESTION_BOX).first
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#qa-results .qa-question-echo")).to_contain_text(question, timeout=30_000)
    return page.locator("#qa-results .qa-card")


def upload(page, files) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Index").click()
    page.locator("#qa-upload input[type=file]").set_input_files(files)
    expect(page.locator("#qa-upload tbody tr")).to_have_count(len(files))  # uploaded to the server, listed
    page.locator("#qa-upload-add").click()


def remove(page, doc: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Index").click()
    dropdown = page.locator("#qa-remove-doc input")
    dropdown.click()
    dropdown.fill(doc)
    page.get_by_role("option", name=doc, exact=True).click()
    expect(dropdown).to_have_value(doc)
    page.locator("#qa-remove").click()
    page.locator("#qa-remove-confirm").click()  # removing asks first


def test_upload_a_document_ask_about_it_then_remove_it(app_page, app_server, tmp_path):
    from gradio_client import Client

    page = app_page.page
    corpus = app_server.corpus
    before = sorted(p.name for p in corpus.iterdir())
    source = tmp_path / "glassworks.md"
    source.write_text(GLASSWORKS, encoding="utf-8")
    client = Client(app_server.url, verbose=False)

    upload(page, [source])
    with ThreadPoolExecutor(2) as pool:  # questions keep being answered from the current index meanwhile
        answers = list(pool.map(lambda _: client.predict(BAND_QUESTION, 3, "hybrid", api_name="/ask"), range(4)))
    assert all(a["results"][0]["doc"] == "internal-troops-of-azerbaijan.txt" for a in answers)
    message = page.locator("#qa-update-message")
    expect(message.locator(".qa-added-docs")).to_have_text("1", timeout=UPDATE_TIMEOUT)
    expect(message.locator(".qa-saved")).to_have_text("glassworks.md")
    assert int(message.locator(".qa-added-passages").inner_text()) >= 1
    expect(message.locator(".qa-skipped")).to_have_count(0)
    expect(page.locator("#qa-index-status .qa-state")).to_have_text("fresh")
    assert (corpus / "glassworks.md").read_text(encoding="utf-8") == GLASSWORKS
    assert upload_copies(app_server) == []  # Gradio's copy in the app's upload folder is gone once saved

    try:
        cards = ask(page, QUESTION)
        card = cards.first
        expect(card).to_have_attribute("data-doc", "glassworks.md")
        expect(card.locator(".qa-doc")).to_have_text("glassworks.md")
        expect(card.locator(".qa-heading")).to_contain_text("Furnace")
        expect(card.locator(".qa-passage mark.qa-sentence")).to_contain_text("Old Ottoline")
        link = card.locator("a.qa-open")  # a Markdown file opens in the reading view; the original downloads
        expect(link).to_have_attribute("href", re.compile(r"^read/glassworks\.md\?start=\d+&end=\d+#passage$"))
        expect(link).to_have_attribute("target", "_blank")
        opened = page.request.get(app_server.url + card.locator("a.qa-download").get_attribute("href"))
        assert opened.status == 200 and opened.text() == GLASSWORKS

        # the same bytes again are refused with a reason; a name with a path lands inside as a plain name
        upload(
            page,
            [
                {"name": "glassworks.md", "mimeType": "text/markdown", "buffer": GLASSWORKS.encode()},
                {
                    "name": "../../evil-notes.md",
                    "mimeType": "text/markdown",
                    "buffer": b"# Notes\n\nThe evil notes mention a quiet harbour.\n",
                },
            ],
        )
        expect(message.locator(".qa-skipped")).to_contain_text(
            "same content as 'glassworks.md'", timeout=UPDATE_TIMEOUT
        )
        expect(message.locator(".qa-added-docs")).to_have_text("1")
        expect(message.locator(".qa-saved")).to_have_text("evil-notes.md")
        assert (corpus / "evil-notes.md").is_file()
        assert upload_copies(app_server) == []  # the saved one and the refused duplicate
        assert not (corpus.parent / "evil-notes.md").exists() and not (corpus.parent.parent / "evil-notes.md").exists()
    finally:
        page.reload()
        for doc in ("glassworks.md", "evil-notes.md"):
            if (corpus / doc).exists():
                remove(page, doc)
                expect(page.locator("#qa-update-message .qa-removed")).to_have_text(doc, timeout=UPDATE_TIMEOUT)
                expect(page.locator("#qa-update-message .qa-removed-docs")).to_have_text("1")

    assert sorted(p.name for p in corpus.iterdir() if p.name != ".removed") == before
    expect(page.locator("#qa-index-status .qa-state")).to_have_text("fresh")
    cards = ask(page, QUESTION)
    expect(cards.first).to_be_visible()
    expect(page.locator('#qa-results .qa-card[data-doc="glassworks.md"]')).to_have_count(0)


def test_upload_a_pdf_and_find_the_answer_on_its_page_2(app_page, app_server, tmp_path):
    """A two-page PDF made with fpdf2: the answer is on page 2, so the card says page 2, its link opens the PDF at
    `#page=2`, and the page picture shows that page with the answer sentence boxed."""
    from app_fixtures import two_page_pdf

    page = app_page.page
    corpus = app_server.corpus
    pdf = two_page_pdf(
        tmp_path / "harbour-report.pdf",
        (
            "Harbour report. The first page describes the tides, the fishing fleet and the weather of the past year "
            "in general terms. Boats leave before dawn and return in the afternoon; the market opens when they land. "
            "Storms closed the harbour mouth on eleven days, and the breakwater was inspected twice by the council.",
            "Cranes and quays. The Pellworm harbour crane lifts at most 42 tonnes since its repair in 1998. It stands "
            "on the north quay beside the grain silo and is driven by two operators working in shifts. The south quay "
            "has no crane of its own, so heavy cargo is moved across the basin on a pontoon towed by the pilot boat.",
        ),
    )
    upload(page, [pdf])
    message = page.locator("#qa-update-message")
    expect(message.locator(".qa-added-docs")).to_have_text("1", timeout=UPDATE_TIMEOUT)
    expect(message.locator(".qa-added-pages")).to_have_text("2")
    try:
        cards = ask(page, "How many tonnes can the Pellworm harbour crane lift?")
        card = page.locator('#qa-results .qa-card[data-doc="harbour-report.pdf"]').first
        expect(cards.first).to_have_attribute("data-doc", "harbour-report.pdf")
        expect(card.locator(".qa-page")).to_have_text("page 2")
        link = card.locator("a.qa-open")
        href = link.get_attribute("href")
        assert href == "original/harbour-report.pdf#page=2"
        opened = page.request.get(app_server.url + href.split("#")[0])
        assert opened.status == 200 and opened.body() == pdf.read_bytes()
        card.locator("details.qa-page-view summary").click()
        image = card.locator("img.qa-page-image")
        expect(image).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=30_000
        )
        assert "page=2" in image.get_attribute("src")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        card.screenshot(path=str(ARTIFACTS / "pdf-page-card.png"))
    finally:
        page.reload()
        if (corpus / "harbour-report.pdf").exists():
            remove(page, "harbour-report.pdf")
            expect(page.locator("#qa-update-message .qa-removed-docs")).to_have_text("1", timeout=UPDATE_TIMEOUT)
