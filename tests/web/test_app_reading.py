"""The reading view in a real browser: a card of an HTML or a DOCX document opens the indexed text with the
passage marked and scrolled into view; text that looks like markup is shown, never run; the original stays
downloadable. Playwright drives Debian's Chromium against `app.py` on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.register_assert_rewrite("app_fixtures")
from app_fixtures import (  # noqa: E402
    ARTIFACTS,
    FERRY_FACT,
    FERRY_QUESTION,
    LIGHTHOUSE_FACT,
    LIGHTHOUSE_QUESTION,
)
from playwright.sync_api import expect  # noqa: E402

pytest_plugins = ["app_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION_BOX = "#qa-question textarea, #qa-question input"


def open_from_card(app_page, question: str, doc: str):  # type: ignore[no-untyped-def]
    """Ask, then follow the "open" link of `doc`'s card (it opens a new tab); returns (card, reading page)."""
    page = app_page.page
    box = page.locator(QUESTION_BOX).first
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#qa-results .qa-question-echo")).to_contain_text(question, timeout=30_000)
    card = page.locator(f'#qa-results .qa-card[data-doc="{doc}"]').first
    link = card.locator("a.qa-open")
    expect(link).to_have_attribute("href", f"read/{doc}?start=" + link.get_attribute("href").split("start=")[1])
    with page.context.expect_page() as opened:
        link.click()
    reader = opened.value
    reader.on("request", lambda request: app_page.requests.append(request.url))
    reader.wait_for_load_state()
    return card, reader


def assert_passage_in_view(reader, fact: str) -> None:  # type: ignore[no-untyped-def]
    mark = reader.locator("mark#passage")
    expect(mark).to_have_count(1)
    expect(reader.locator("mark")).to_contain_text([fact[:30]])  # the passage holds the answer
    expect(mark).to_be_in_viewport()
    assert reader.evaluate("() => window.scrollY") > 300  # it was below the first screen: the fragment scrolled


@pytest.mark.parametrize(
    "doc, question, fact, script",
    [
        ("kestrel-point.html", LIGHTHOUSE_QUESTION, LIGHTHOUSE_FACT, "<script>window.__pwned=5</script>"),
        ("morrow-ferry.docx", FERRY_QUESTION, FERRY_FACT, "<script>window.__pwned=6</script>"),
    ],
    ids=["html", "docx"],
)
def test_a_card_opens_the_reading_view_at_the_passage(app_page, app_server, doc, question, fact, script):
    card, reader = open_from_card(app_page, question, doc)
    assert reader.url.startswith(app_server.url + f"read/{doc}?start=") and reader.url.endswith("#passage")
    assert_passage_in_view(reader, fact)
    # the document's text that looks like markup is shown as text, and nothing in the page ran
    expect(reader.get_by_text(script)).to_be_visible()
    assert reader.evaluate("() => typeof window.__pwned") == "undefined"
    assert reader.locator("script").count() == 0
    # headings, lists and tables of the document keep their shape
    expect(reader.locator("main :is(h1, h2, h3)").first).to_be_attached()
    expect(reader.locator("main li").first).to_be_attached()
    expect(reader.locator("main table td").first).to_be_attached()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    reader.screenshot(path=str(ARTIFACTS / f"reading-view-{doc.rsplit('.', 1)[1]}.png"))
    # the original stays downloadable, from the card and from the reading view
    original = (app_server.corpus / doc).read_bytes()
    for link in (card.locator("a.qa-download"), reader.locator("a.download")):
        with link.page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == doc
        assert Path(download.value.path()).read_bytes() == original
    assert all(url.startswith(app_server.url) for url in app_page.requests if url.startswith("http"))
    reader.close()


def test_the_reading_view_refuses_offsets_outside_the_text(app_page, app_server):
    page = app_page.page
    response = page.goto(app_server.url + "read/kestrel-point.html?start=10&end=99999999")
    assert response.status == 400
    text = page.locator("body").inner_text().strip()
    assert "\n" not in text and "outside the document's" in text and "open the passage from its card again" in text
    response = page.goto(app_server.url + "read/../outside.txt?start=0&end=5")
    assert response.status == 404 and "outside the corpus folder" not in page.content()


def test_a_pdf_card_still_opens_the_pdf_at_its_page(app_page):
    page = app_page.page
    box = page.locator(QUESTION_BOX).first
    box.fill("What colour was the Quorvak bridge painted in 1931?")
    box.press("Enter")
    card = page.locator('#qa-results .qa-card[data-doc="bridges.pdf"]').first
    expect(card.locator("a.qa-open")).to_have_attribute("href", "original/bridges.pdf#page=2", timeout=30_000)
    expect(card.locator("a.qa-download")).to_have_count(0)
