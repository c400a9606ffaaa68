"""Adding and removing documents from the Index tab in a real browser, against `app.py` on 127.0.0.1: files are
saved at once and indexed in the background, with a live status per file; the Ask tab answers from the index as
it was meanwhile; Cancel leaves the documents and the index as they were.

Leaves the served corpus and index as it found them (the documents are removed again through the page), so it
runs in any order with the other app tests.
"""

from __future__ import annotations

import re
import time
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


def assert_only_local(recorded) -> None:  # type: ignore[no-untyped-def]
    assert recorded.outside_requests() == [], f"requests left 127.0.0.1: {recorded.outside_requests()}"


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


def upload_without_adding(page, files) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Index").click()
    page.locator("#qa-upload input[type=file]").set_input_files(files)
    expect(page.locator("#qa-upload tbody tr")).to_have_count(len(files))  # uploaded to the server, listed


def upload(page, files) -> None:  # type: ignore[no-untyped-def]
    upload_without_adding(page, files)
    page.locator("#qa-upload-add").click()


def status_row(page, name: str, state: str | None = None):  # type: ignore[no-untyped-def]
    """The upload panel's row of `name` (the last one, when the same name was added twice), in `state` if given."""
    where = f'[data-file="{name}"]' + (f'[data-state="{state}"]' if state else "")
    return page.locator(f"#qa-upload-status tr.qa-job{where}").last


def indexed(page, name: str):  # type: ignore[no-untyped-def]
    """Wait until `name`'s row says done; returns the row."""
    row = status_row(page, name)
    expect(row).to_have_attribute("data-state", "done", timeout=UPDATE_TIMEOUT)
    return row


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
    before = sorted(p.name for p in corpus.iterdir() if p.name != ".removed")  # other tests may have removed files
    source = tmp_path / "glassworks.md"
    source.write_text(GLASSWORKS, encoding="utf-8")
    client = Client(app_server.url, verbose=False)

    upload(page, [source])
    with ThreadPoolExecutor(2) as pool:  # questions keep being answered from the current index meanwhile
        answers = list(pool.map(lambda _: client.predict(BAND_QUESTION, 3, "hybrid", api_name="/ask"), range(4)))
    assert all(a["results"][0]["doc"] == "internal-troops-of-azerbaijan.txt" for a in answers)
    expect(indexed(page, "glassworks.md").locator(".qa-job-state")).to_have_text(re.compile(r"^done: \d+ passages?, "))
    expect(page.locator("#qa-index-status .qa-state")).to_have_text("fresh")  # refreshed once the file is done
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
        refused = status_row(page, "glassworks.md", "refused")
        expect(refused).to_contain_text("refused: 'glassworks.md' has the same content as 'glassworks.md'")
        indexed(page, "evil-notes.md")
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


def open_original_and_page_picture(page, app_server, card, href: str):  # type: ignore[no-untyped-def]
    """Check the card's open link is `href` and fetch what it opens (200); open the page picture and wait until it
    has loaded. Returns the fetched response."""
    assert card.locator("a.qa-open").get_attribute("href") == href
    opened = page.request.get(app_server.url + href.split("#")[0])
    assert opened.status == 200
    card.locator("details.qa-page-view summary").click()
    image = card.locator("img.qa-page-image")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=30_000)
    return opened


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
    expect(indexed(page, "harbour-report.pdf").locator(".qa-job-state")).to_contain_text(" from 2 pages, ")
    try:
        cards = ask(page, "How many tonnes can the Pellworm harbour crane lift?")
        card = page.locator('#qa-results .qa-card[data-doc="harbour-report.pdf"]').first
        expect(cards.first).to_have_attribute("data-doc", "harbour-report.pdf")
        expect(card.locator(".qa-page")).to_have_text("page 2")
        opened = open_original_and_page_picture(page, app_server, card, "original/harbour-report.pdf#page=2")
        assert opened.body() == pdf.read_bytes()
        assert "page=2" in card.locator("img.qa-page-image").get_attribute("src")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        card.screenshot(path=str(ARTIFACTS / "pdf-page-card.png"))
    finally:
        page.reload()
        if (corpus / "harbour-report.pdf").exists():
            remove(page, "harbour-report.pdf")
            expect(page.locator("#qa-update-message .qa-removed-docs")).to_have_text("1", timeout=UPDATE_TIMEOUT)


def test_upload_an_e_mail_and_find_the_answer_in_its_attached_pdf(app_page, app_server, tmp_path):
    """An e-mail with a two-page PDF attached: the card names the attachment as the document ("attached to" the
    e-mail) at its page 2, its link opens the attachment itself, read out of the message, and the page picture of
    the attachment's page loads."""
    from email.message import EmailMessage

    from app_fixtures import two_page_pdf

    page = app_page.page
    corpus = app_server.corpus
    pdf = two_page_pdf(
        tmp_path / "lock-report.pdf",
        (
            "Lock report. The first page describes the canal, its towpath and the barges that pass in summer. The "
            "lock keeper opens the gates at seven and closes them at dusk; boats wait in the basin below the weir.",
            "Gates and pumps. The Sallow Reach lock gates were rebuilt in oak in 2011 after the flood. Each leaf "
            "weighs nine tonnes and is moved by a hand winch; the pumps that fill the chamber run on diesel.",
        ),
    )
    message = EmailMessage()
    message["Subject"] = "Canal lock inspection"
    message["From"] = "keeper@example.org"
    message.set_content("The inspection report is attached.\n")
    message.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename="lock-report.pdf")
    mail = tmp_path / "lock-mail.eml"
    mail.write_bytes(bytes(message))
    upload(page, [mail])
    indexed(page, "lock-mail.eml")
    try:
        cards = ask(page, "When were the Sallow Reach lock gates rebuilt?")
        expect(cards.first).to_have_attribute("data-doc", "lock-mail.eml")
        card = cards.first
        expect(card.locator(".qa-card-head .qa-doc")).to_have_text("lock-report.pdf")
        expect(card.locator(".qa-card-head .qa-attached")).to_have_text("attached to lock-mail.eml")
        expect(card.locator(".qa-card-head .qa-page")).to_have_text("page 2")
        opened = open_original_and_page_picture(page, app_server, card, "original/lock-mail.eml?part=1#page=2")
        assert opened.body() == pdf.read_bytes() and opened.headers["content-type"] == "application/pdf"
        assert "part=1" in card.locator("img.qa-page-image").get_attribute("src")
    finally:
        page.reload()
        if (corpus / "lock-mail.eml").exists():
            remove(page, "lock-mail.eml")
            expect(page.locator("#qa-update-message .qa-removed-docs")).to_have_text("1", timeout=UPDATE_TIMEOUT)


# ---------------------------------------------------------------- background indexing, live status, cancel

SURVEY_PAGES = 30  # enough text that indexing it with the real model takes well over the few seconds asked below
PLACES = (
    "meadow granary harbour quarry orchard tannery vineyard foundry ferry chapel market smithy causeway weir".split()
)
SURVEY_FACT = "The oldest well of the Brannock survey was dug in 1642 by a miller named Odrun Vesk."
SURVEY_QUESTION = "Who dug the oldest well of the Brannock survey?"
KILNS = "<html><head><title>Kilns</title></head><body><h1>Kilns of Tarrow</h1><p>The kilns of Tarrow fire their bricks with peat cut from the Sollen moor.</p></body></html>"
KILNS_QUESTION = "What fuel do the kilns of Tarrow fire their bricks with?"
FERRIES = (
    "<html><body><h1>Ferries</h1><p>The Ulvik ferry crosses the fjord eleven times a day in summer.</p></body></html>"
)
RUNNING = ("reading", "embedding", "writing")


def survey_page(number: int) -> str:
    """One page of varied sentences (no two passages alike, so each is embedded)."""
    sentences = []
    for i in range(14):
        a, b, c = (PLACES[(number * k + i * j) % len(PLACES)] for k, j in ((1, 1), (3, 1), (5, 2)))
        sentences.append(
            f"In district {number}, the {a} near the {b} was inspected {i + 2} times, and the {c} keepers "
            f"reported {number * 11 + i} visitors during season {i + 1}."
        )
    return " ".join(sentences)


def survey_pdf(path, pages: int = SURVEY_PAGES, fact_page: int = 7):  # type: ignore[no-untyped-def]
    """A multi-page PDF (fpdf2) with one fact on `fact_page`."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(0, 5, survey_page(number) + (" " + SURVEY_FACT if number == fact_page else ""))
    pdf.output(str(path))
    return path


def index_state(app_server) -> tuple[list[str], str, str]:  # type: ignore[no-untyped-def]
    """The corpus folder's documents, the current generation and its build time."""
    from qa.index.generations import current_generation
    from qa.index.open import read_manifest

    files = sorted(p.name for p in app_server.corpus.iterdir() if not p.name.startswith("."))
    return files, str(current_generation(app_server.index)), read_manifest(app_server.index).built_at


def document_choices(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Index").click()
    page.locator("#qa-remove-doc input").click()
    choices = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return sorted(choice.strip() for choice in choices)


def test_uploads_are_indexed_in_the_background_with_a_live_status_per_file(app_page, app_server, tmp_path):
    page = app_page.page
    files = [
        survey_pdf(tmp_path / "survey.pdf"),
        tmp_path / "kilns.html",
        tmp_path / "ferries.html",
    ]
    files[1].write_text(KILNS, encoding="utf-8")
    files[2].write_text(FERRIES, encoding="utf-8")
    names = [f.name for f in files]
    try:
        upload_without_adding(page, files)
        page.locator("#qa-upload-add").click()
        pressed = time.monotonic()
        # (a) the status of each file shows at once: the first being read, the others queued
        for name in names:
            expect(status_row(page, name)).to_be_visible(timeout=2_000)
        assert time.monotonic() - pressed < 2.0
        survey = status_row(page, "survey.pdf")
        expect(survey).to_have_attribute("data-state", re.compile("|".join(RUNNING)))
        expect(status_row(page, "kilns.html")).to_have_attribute("data-state", "queued")
        expect(page.locator("#qa-upload-status .qa-jobs-summary")).to_contain_text("3 files left")
        expect(survey.locator(".qa-job-state")).to_contain_text(re.compile(r"page \d+ of 30|embedding passages"))
        expect(page.locator(".wrap.full:not(.hide)")).to_have_count(0)  # no progress overlay over the tab
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator("#qa-upload-status").screenshot(path=str(ARTIFACTS / "upload-status.png"))

        # (b) meanwhile the Ask tab answers, from the index as it was
        cards = ask(page, SURVEY_QUESTION)
        expect(cards.first).to_be_visible()
        expect(page.locator('#qa-results .qa-card[data-doc="survey.pdf"]')).to_have_count(0)
        cards = ask(page, BAND_QUESTION)
        expect(cards.first).to_have_attribute("data-doc", "internal-troops-of-azerbaijan.txt")
        page.get_by_role("tab", name="Index").click()
        expect(status_row(page, "ferries.html")).to_have_attribute("data-state", "queued")  # still indexing
        expect(page.locator("#qa-index-status .qa-state")).to_have_text("stale")  # saved, not yet indexed

        # (c) each file ends done, and is then answerable
        for name in names:
            expect(indexed(page, name).locator(".qa-job-state")).to_contain_text(re.compile(r"^done: \d+ passages?"))
        expect(survey.locator(".qa-job-state")).to_contain_text(f"from {SURVEY_PAGES} pages")
        expect(page.locator("#qa-upload-status .qa-jobs-summary")).to_have_text("Nothing is being indexed.")
        expect(page.locator("#qa-index-status .qa-state")).to_have_text("fresh")
        cards = ask(page, SURVEY_QUESTION)
        expect(cards.first).to_have_attribute("data-doc", "survey.pdf")
        expect(cards.first.locator(".qa-page")).to_have_text("page 7")
        cards = ask(page, KILNS_QUESTION)
        expect(cards.first).to_have_attribute("data-doc", "kilns.html")
        assert_only_local(app_page)
    finally:
        clean_up(page, app_server, names)


def clean_up(page, app_server, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Once nothing is being indexed, remove what a test added through the page."""
    page.reload()
    page.get_by_role("tab", name="Index").click()
    expect(page.locator("#qa-upload-status .qa-jobs-summary")).to_have_text(
        "Nothing is being indexed.", timeout=UPDATE_TIMEOUT
    )
    for name in names:
        if (app_server.corpus / name).exists():
            remove(page, name)
            expect(page.locator("#qa-update-message .qa-removed")).to_have_text(name, timeout=UPDATE_TIMEOUT)


def test_cancel_leaves_the_documents_and_the_index_as_they_were(app_page, app_server, tmp_path):
    """(d): Cancel while a long PDF is read and an HTML file waits: both end cancelled, and the corpus folder, the
    index generation, its build time and the list of documents to remove are as before."""
    page = app_page.page
    before, choices = index_state(app_server), document_choices(page)
    files = [survey_pdf(tmp_path / "census.pdf"), tmp_path / "kilns.html"]
    files[1].write_text(KILNS, encoding="utf-8")
    upload_without_adding(page, files)
    page.locator("#qa-upload-add").click()
    try:
        cancel_while_indexing(page, app_server, before, choices)
    finally:
        clean_up(page, app_server, [f.name for f in files])


def cancel_while_indexing(page, app_server, before, choices) -> None:  # type: ignore[no-untyped-def]
    census = status_row(page, "census.pdf")
    expect(census).to_have_attribute("data-state", re.compile("reading|embedding"), timeout=10_000)
    page.locator("#qa-upload-cancel").click()
    expect(status_row(page, "kilns.html")).to_have_attribute("data-state", "cancelled", timeout=5_000)
    expect(census).to_have_attribute("data-state", "cancelled", timeout=UPDATE_TIMEOUT)  # at its next safe point
    expect(page.locator("#qa-upload-status .qa-jobs-summary")).to_have_text("Nothing is being indexed.")
    # (d) the same documents, the same index generation and build, the same list to remove from
    assert index_state(app_server) == before
    assert not list(app_server.index.glob(".tmp-*"))
    assert document_choices(page) == choices
    expect(page.locator("#qa-index-status .qa-state")).to_have_text("fresh")
    cards = ask(page, KILNS_QUESTION)
    expect(cards.first).to_be_visible()
    expect(page.locator('#qa-results .qa-card[data-doc="kilns.html"]')).to_have_count(0)
