"""Remove with confirm and restore, in a real browser against `app.py`: one click on Remove removes nothing,
Cancel keeps the document, Confirm removes it; Restore puts it back, answerable again, with nothing embedded anew
(the embedding store still holds its passages)."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("app_fixtures")
from app_fixtures import ARTIFACTS, OTTERS_DOC, OTTERS_QUESTION  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytest_plugins = ["app_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

UPDATE_TIMEOUT = 120_000


def pick(page, dropdown: str, doc: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(f"{dropdown} input")
    box.click()
    box.fill(doc)
    page.get_by_role("option", name=doc, exact=True).click()
    expect(box).to_have_value(doc)


def top_doc(client) -> str:  # type: ignore[no-untyped-def]
    return client.predict(OTTERS_QUESTION, 3, "hybrid", api_name="/ask")["results"][0]["doc"]


def test_remove_asks_first_and_a_removed_document_can_be_restored(app_page, app_server):
    from gradio_client import Client

    page = app_page.page
    corpus = app_server.corpus
    client = Client(app_server.url, verbose=False)
    assert top_doc(client) == OTTERS_DOC
    page.get_by_role("tab", name="Index").click()
    confirm_row = page.locator("#qa-remove-confirm-row")
    message = page.locator("#qa-update-message")
    try:
        # one click asks; Cancel keeps the document
        pick(page, "#qa-remove-doc", OTTERS_DOC)
        expect(confirm_row).to_be_hidden()
        page.locator("#qa-remove").click()
        expect(confirm_row).to_be_visible()
        expect(page.locator("#qa-remove-prompt .qa-confirm-doc")).to_have_text(OTTERS_DOC)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "remove-confirm.png"), full_page=True)
        page.wait_for_timeout(1_000)  # nothing happens in the background either
        assert (corpus / OTTERS_DOC).is_file() and top_doc(client) == OTTERS_DOC
        page.locator("#qa-remove-cancel").click()
        expect(confirm_row).to_be_hidden()
        assert (corpus / OTTERS_DOC).is_file()
        expect(message.locator(".qa-removed")).to_have_count(0)

        # Confirm removes it and updates the index
        page.locator("#qa-remove").click()
        page.locator("#qa-remove-confirm").click()
        expect(message.locator(".qa-removed")).to_have_text(OTTERS_DOC, timeout=UPDATE_TIMEOUT)
        expect(confirm_row).to_be_hidden()
        assert not (corpus / OTTERS_DOC).exists() and (corpus / ".removed" / OTTERS_DOC).is_file()
        assert top_doc(client) != OTTERS_DOC

        # Restore puts it back from the list of removed documents, without embedding it again
        pick(page, "#qa-removed-doc", OTTERS_DOC)
        page.locator("#qa-restore").click()
        expect(message.locator(".qa-restored")).to_have_text(OTTERS_DOC, timeout=UPDATE_TIMEOUT)
        expect(message).to_contain_text("embedded 0 new passages")
        expect(message.locator(".qa-added-docs")).to_have_text("1")
        expect(page.locator("#qa-index-status .qa-state")).to_have_text("fresh")
        assert (corpus / OTTERS_DOC).is_file() and not (corpus / ".removed" / OTTERS_DOC).exists()
        assert top_doc(client) == OTTERS_DOC
        page.locator("#qa-removed-doc input").click()
        expect(page.get_by_role("option", name=OTTERS_DOC, exact=True)).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "restored.png"), full_page=True)
    finally:
        if not (corpus / OTTERS_DOC).exists():  # leave the served corpus as the other tests expect it
            (corpus / ".removed" / OTTERS_DOC).rename(corpus / OTTERS_DOC)
            page.reload()
            page.get_by_role("tab", name="Index").click()
            page.locator("#qa-index-rebuild").click()
            expect(page.locator("#qa-rebuild-message .qa-info")).to_contain_text("Rebuilt", timeout=UPDATE_TIMEOUT)


def test_remove_with_nothing_chosen_says_so_in_one_line(app_page):
    page = app_page.page
    page.get_by_role("tab", name="Index").click()
    page.locator("#qa-remove").click()
    expect(page.locator("#qa-update-message .qa-error")).to_have_text(
        "Error: no document chosen; pick one from the list"
    )
    expect(page.locator("#qa-remove-confirm-row")).to_be_hidden()
    page.locator("#qa-restore").click()
    expect(page.locator("#qa-update-message .qa-error")).to_contain_text("no removed document chosen")
