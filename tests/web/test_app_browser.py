"""The web app in a real browser: Playwright drives Debian's Chromium against `app.py` on 127.0.0.1."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.register_assert_rewrite("app_fixtures")
from app_fixtures import ARTIFACTS, BAND_QUESTION  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from qa.web.views import cut  # noqa: E402

pytest_plugins = ["app_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION_BOX = "#qa-question textarea, #qa-question input"
LONG_QUESTION = "What colour is the moon over the Internal Troops parade ground " + "on a clear night " * 290 + "?"


def ask(page, question: str, *, press_enter: bool = True, error: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Type a question, submit it, and wait until the results area shows this question's answer (or `error`)."""
    box = page.locator(QUESTION_BOX).first
    box.fill(question)
    if press_enter:
        box.press("Enter")
    else:
        page.locator("#qa-ask").click()
    if error is None:
        expect(page.locator("#qa-results .qa-question-echo")).to_contain_text(
            " ".join(question.split()), timeout=30_000
        )
    else:
        expect(page.locator("#qa-results .qa-error")).to_contain_text(error, timeout=30_000)


def assert_only_local(recorded) -> None:  # type: ignore[no-untyped-def]
    assert recorded.requests, "no request was recorded at all"
    assert recorded.outside_requests() == [], f"requests left 127.0.0.1: {recorded.outside_requests()}"


def test_ask_highlights_the_answer_sentence_and_span(app_page):
    page = app_page.page
    ask(page, BAND_QUESTION)
    results = page.locator("#qa-results")
    cards = results.locator(".qa-card")
    expect(cards).to_have_count(5)  # default: 5 passages
    # the answer sentence is one <mark class="qa-sentence">, with the reader's span emphasized inside it (the
    # reader answers "how many members" as SQuAD does: the number)
    first = cards.first
    expect(first.locator(".qa-passage mark.qa-sentence")).to_have_count(1)
    expect(first.locator(".qa-passage mark.qa-sentence")).to_contain_text("115 members")
    expect(first.locator(".qa-passage mark.qa-sentence mark.qa-span")).to_have_text("115")
    expect(results.locator(".qa-answer mark.qa-span")).to_have_text("115")
    # the best passage holds the answer, with its source file, heading and score on the card
    expect(first.locator(".qa-passage")).to_contain_text("115 members")
    expect(first.locator(".qa-doc")).to_have_text("internal-troops-of-azerbaijan.txt")
    expect(first.locator(".qa-heading")).to_have_text(
        "Structure › Main Department of Internal Troops › Band"
    )  # the section path
    expect(first.locator(".qa-page")).to_have_count(0)  # a text file has no pages
    # a text file opens in the reading view at the passage; the original stays downloadable
    expect(first.locator("a.qa-open")).to_have_attribute(
        "href", re.compile(r"^read/internal-troops-of-azerbaijan\.txt\?start=\d+&end=\d+#passage$")
    )
    expect(first.locator("a.qa-download")).to_have_attribute(
        "href", "original/internal-troops-of-azerbaijan.txt?download=1"
    )
    opened, download = first.locator("a.qa-open").bounding_box(), first.locator("a.qa-download").bounding_box()
    assert opened and download and abs(download["x"] - opened["x"]) < 2  # both links start at the card's left
    assert download["width"] < first.bounding_box()["width"] / 2  # the link is its words, not the card's width
    expect(first.locator(".qa-score")).to_contain_text("score ")
    expect(first.locator("mark.qa-term").first).to_be_visible()
    # confident: an answer line quotes the top answer sentence with its source, above the cards
    expect(results.locator(".qa-answer")).to_be_visible()
    expect(results.locator(".qa-answer .qa-doc")).to_have_text("internal-troops-of-azerbaijan.txt")
    expect(results.locator(".qa-warning")).to_have_count(0)
    # the surrounding text opens on demand and holds the neighbouring passages of the same document
    context = first.locator("details.qa-context")
    expect(context.locator(".qa-context-body")).to_be_hidden()
    context.locator("summary").click()
    expect(context.locator(".qa-context-side").first).to_be_visible()
    expect(context.locator(".qa-context-self")).to_contain_text("115 members")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "band-question.png"), full_page=True)
    # the success path for the record: the top passage's answer sentence and span are the gold answer
    ask(page, "When was the Higher Military School of the Internal Troops created?")
    expect(results.locator(".qa-answer mark.qa-span")).to_have_text("25 February 2011")
    expect(cards.first.locator(".qa-passage mark.qa-sentence mark.qa-span")).to_have_text("25 February 2011")
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)
    assert_only_local(app_page)


def test_settings_button_and_examples(app_page):
    page = app_page.page
    page.get_by_role("button", name="Search settings").click()
    page.locator("#qa-mode").get_by_label("bm25").check()
    slider = page.locator("#qa-k input[type=number]")
    slider.fill("3")
    slider.press("Enter")
    ask(page, "When was the Higher Military School of the Internal Troops created?", press_enter=False)
    expect(page.locator("#qa-results .qa-mode")).to_have_text("(bm25)")
    expect(page.locator("#qa-results .qa-card")).to_have_count(3)
    expect(page.locator("#qa-results .qa-answer mark.qa-span")).to_contain_text("25 February 2011")
    # an example fills the box and asks it
    page.get_by_text("How many members does the band of the Internal Troops have?").click()
    expect(page.locator(QUESTION_BOX).first).to_have_value(
        "How many members does the band of the Internal Troops have?"
    )
    expect(page.locator("#qa-results .qa-question-echo")).to_contain_text(
        "How many members does the band", timeout=30_000
    )
    expect(page.locator("#qa-results .qa-card").first).to_be_visible()
    assert_only_local(app_page)


def test_corpus_html_is_shown_as_text_never_run(app_page):
    page = app_page.page
    ask(page, "Which band marches with 115 members?")
    card = page.locator('#qa-results .qa-card[data-doc="injected.txt"]')
    expect(card).to_have_count(1)
    card.locator("details.qa-context summary").click()  # the surrounding-text panel is escaped too
    expect(card.locator(".qa-context-self")).to_be_visible()
    # the markup is visible as text ...
    expect(card.locator(".qa-passage")).to_contain_text(
        '<script>window.__pwned=1</script> and <img src=x onerror="window.__pwned=2">'
    )
    expect(page.get_by_text("<script>window.__pwned=1</script>").first).to_be_visible()
    # ... and no element came from it, and nothing ran
    found = page.evaluate("""() => ({
        pwned: typeof window.__pwned,
        scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length,
        images: document.querySelectorAll('img[src="x"], img[onerror], [onerror]').length,
        resultTags: [...document.querySelectorAll('#qa-results script, #qa-results img, #qa-results iframe')].length,
    })""")
    assert found == {"pwned": "undefined", "scripts": 0, "images": 0, "resultTags": 0}
    assert_only_local(app_page)


def test_an_original_web_page_opens_without_running_its_scripts(app_page, app_server):
    page = app_page.page
    response = page.goto(app_server.url + "original/garden.html")
    assert response.status == 200 and "sandbox" in response.headers["content-security-policy"]
    expect(page.locator("h1")).to_have_text("Garden")  # shown as the page it is ...
    assert page.evaluate("() => typeof window.__pwned") == "undefined"  # ... but nothing in it ran
    assert_only_local(app_page)


def test_errors_are_one_line_messages_in_the_page(app_page):
    page = app_page.page
    ask(page, "   ", error="the question is empty")
    error = page.locator("#qa-results .qa-error")
    expect(error).to_have_text("Error: the question is empty; type a question about the corpus")
    expect(error).to_be_visible()
    ask(page, "?!?", error="no words")
    expect(error).to_have_count(1)
    expect(page.locator(".toast-body")).to_have_count(0)  # a message in the page, not a toast
    assert "Traceback" not in page.locator("body").inner_text()


def test_weak_match_says_the_corpus_may_not_answer(app_page):
    page = app_page.page
    ask(page, "What is the recipe for chocolate cake?")
    results = page.locator("#qa-results")
    expect(results.locator(".qa-warning")).to_contain_text("The corpus may not answer this question")
    expect(results.locator(".qa-results-label")).to_contain_text("Closest passages")
    expect(results.locator(".qa-answer")).to_have_count(0)  # no passage presented as the answer
    expect(results.locator(".qa-card").first).to_be_visible()


def test_evaluate_tab_shows_metrics_chart_and_misses(app_page, app_server, real_encoder, tmp_path):
    page = app_page.page
    gold = tmp_path / "small-gold.jsonl"
    rows = [
        {"question": "How many members does the Internal Troops band have?", "answers": ["115 members"]},
        {
            "question": "When was the Higher Military School of the Internal Troops created?",
            "answers": ["25 February 2011"],
        },
        {"question": "Which date is celebrated as the Day of Internal Troops?", "answers": ["12 March", "March 12"]},
        {"question": "Who commanded the Internal Troops from 2003 to 2013?", "answers": ["Zakir Hasanov"]},
        {"question": LONG_QUESTION, "answers": ["a purple moon"]},  # missed in every mode
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#qa-gold-upload input[type=file]").set_input_files(str(gold))
    # the uploaded file's row, by its accessible name (its text splits the name into "stem .ext" once uploaded)
    expect(page.locator("#qa-gold-upload").get_by_role("cell", name="small-gold.jsonl", exact=True)).to_be_visible()
    page.locator("#qa-eval-mode").get_by_label("all modes").check()
    page.locator("#qa-eval-run").click()
    message = page.locator("#qa-eval-message")  # the expect below fails after 60 s: the time limit is its timeout
    expect(message.locator(".qa-info")).to_contain_text("Evaluated small-gold.jsonl: 5 questions", timeout=90_000)
    table = page.locator("#qa-eval-table")
    for text in ("hit@1", "hit@5", "mrr@10", "answer@1", "hybrid", "dense", "bm25"):
        expect(table).to_contain_text(text)
    expect(page.locator("#qa-eval-plot img")).to_be_visible()
    # each mode's misses are the questions the library itself misses on the served index, no more, no fewer
    from qa.engine import Engine
    from qa.evaluate.gold import evaluate_gold, parse_gold

    engine = Engine.open(app_server.index, encoder=real_encoder)
    gold_questions = parse_gold(gold.read_text(encoding="utf-8").splitlines(), name=gold.name)
    panels = page.locator("#qa-eval-misses details.qa-misses")
    expect(panels).to_have_count(3)
    # folded: three summary lines, however many misses; no miss and no card shows until asked for
    assert panels.evaluate_all("panels => panels.map(p => p.open)") == [False, False, False]
    assert page.locator("#qa-eval-misses").bounding_box()["height"] < 150
    expect(page.locator("#qa-eval-misses .qa-miss-card").first).to_be_hidden()
    page.locator("#qa-eval-plot").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluate-misses-folded.png"), full_page=True)
    for panel, mode in zip(panels.all(), ("hybrid", "dense", "bm25")):
        report = evaluate_gold(engine, gold_questions, mode=mode, k=10)
        count = len(report.misses)
        expect(panel.locator(":scope > summary")).to_have_text(
            f"{mode}: {count} miss{'' if count == 1 else 'es'} of 5 questions (no correct answer sentence at rank 1)"
        )
        shown = [" ".join(t.split()) for t in panel.locator(".qa-miss-q").all_text_contents()]
        assert shown == [" ".join(cut(m.question).split()) for m in report.misses], mode
    # expanding a mode shows its misses, folded; expanding a miss shows the passages returned for it
    hybrid = panels.first
    hybrid.locator(":scope > summary").click()
    long_miss = hybrid.locator("details.qa-miss-detail").filter(has_text="What colour is the moon").first
    expect(long_miss.locator(":scope > summary")).to_be_visible()
    summary = long_miss.locator(":scope > summary").inner_text()
    assert summary.endswith("…") and len(summary) <= 201 and LONG_QUESTION not in page.content()
    expect(long_miss.locator(".qa-miss-card").first).to_be_hidden()
    long_miss.locator(":scope > summary").click()
    response = engine.ask(LONG_QUESTION, k=10, mode="hybrid")
    cards = long_miss.locator(".qa-miss-card")
    expect(cards).to_have_count(len(response.results))
    expect(cards.first).to_be_visible()
    assert cards.evaluate_all("cards => cards.map(c => c.dataset.doc)") == [r.doc for r in response.results]
    page.screenshot(path=str(ARTIFACTS / "evaluate-miss-expanded.png"), full_page=True)
    assert_only_local(app_page)


def test_a_long_question_is_echoed_cut(app_page):
    page = app_page.page
    box = page.locator(QUESTION_BOX).first
    box.fill(LONG_QUESTION)
    box.press("Enter")
    echo = page.locator("#qa-results .qa-question-echo")
    expect(echo).to_contain_text("What colour is the moon", timeout=30_000)
    shown = echo.inner_text()
    assert "…" in shown and len(shown) < 230 and LONG_QUESTION not in page.content()
    expect(page.locator("#qa-results .qa-card").first).to_be_visible()


def test_a_file_of_another_kind_is_refused_in_one_line_not_a_lasting_toast(app_page, app_server, tmp_path):
    page = app_page.page
    page.get_by_role("tab", name="Evaluate").click()
    control = page.locator("#qa-gold-upload input[type=file]")
    control.set_input_files([{"name": "tool.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90"}])
    note = page.locator("#qa-gold-note .qa-error")
    expect(note).to_have_text("Error: 'tool.exe' is not one of .jsonl, .json, .txt; upload files of those kinds")
    expect(page.locator(".toast-body")).to_have_count(0)  # no pop-up over the page
    expect(page.locator("#qa-gold-upload tbody tr")).to_have_count(0)  # the control is emptied
    assert not [p for p in (app_server.index / ".uploads").rglob("tool.exe")]  # and its upload copy deleted
    gold = tmp_path / "next.jsonl"
    gold.write_text('{"question": "Who commanded the Internal Troops?", "answers": ["Hasanov"]}\n', encoding="utf-8")
    control.set_input_files(str(gold))  # the next upload goes in, and the line goes away
    expect(page.locator("#qa-gold-upload").get_by_role("cell", name="next.jsonl", exact=True)).to_be_visible()
    expect(note).to_have_count(0)
    expect(page.locator(".toast-body")).to_have_count(0)
    for waiting in (app_server.index / ".uploads").rglob("next.jsonl"):  # never evaluated: later tests of this
        waiting.unlink()  # server check that no upload copy is left behind


def test_evaluate_tab_reports_a_bad_gold_file(app_page, tmp_path):
    page = app_page.page
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Who?", "answers": []}\n', encoding="utf-8")
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#qa-gold-upload input[type=file]").set_input_files(str(bad))
    # the uploaded file's row, by its accessible name (its text splits the name into "stem .ext" once uploaded)
    expect(page.locator("#qa-gold-upload").get_by_role("cell", name="bad.jsonl", exact=True)).to_be_visible()
    page.locator("#qa-eval-mode").get_by_label("hybrid", exact=True).check()
    page.locator("#qa-eval-run").click()
    expect(page.locator("#qa-eval-message .qa-error")).to_contain_text("bad.jsonl line 1", timeout=30_000)


def test_index_tab_shows_the_manifest(app_page, app_server):
    from qa.index.open import read_manifest

    manifest = read_manifest(app_server.index).to_json()
    page = app_page.page
    page.get_by_role("tab", name="Index").click()
    status = page.locator("#qa-index-status")
    expect(status.locator(".qa-model")).to_have_text(manifest["model"]["name"])
    expect(status.locator(".qa-chunks")).to_have_text(str(manifest["counts"]["chunks"]))
    expect(status.locator(".qa-documents")).to_have_text(str(manifest["counts"]["documents"]))
    expect(status).to_contain_text(manifest["built_at"])
    expect(status.locator(".qa-state")).to_have_text("fresh")
    documents = sorted(name for name, entry in manifest["files"].items() if entry.get("indexed", True))
    listing = page.locator("#qa-index-files .qa-files")
    listing.locator("summary").click()  # folded away until asked for
    expect(listing.locator(".qa-file")).to_have_text(documents)
    unread = app_server.corpus / "flyer.pub"  # not read: the status says so, the served index is unchanged
    unread.write_bytes(b"PK")
    try:
        page.locator("#qa-index-refresh").click()
        expect(status).to_contain_text("1 file of kinds the index does not read")
        expect(listing).to_have_attribute("open", "")  # a refresh of the same index leaves the list as it was
    finally:
        unread.unlink()
    page.locator("#qa-index-refresh").click()
    expect(status).not_to_contain_text("does not read")
    assert_only_local(app_page)


def rebuild_from_the_page(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Index").click()
    page.locator("#qa-index-rebuild").click()
    expect(page.locator("#qa-rebuild-message .qa-info")).to_contain_text("Rebuilt", timeout=120_000)


def test_rebuild_swaps_in_a_new_index_while_questions_keep_working(app_page, app_server):
    """Adds a file to the served corpus, sees the index reported stale, rebuilds from the page and asks about
    the new file; then removes the file and rebuilds again, so the served index is as before for other tests."""
    from gradio_client import Client

    page = app_page.page
    added = app_server.corpus / "lighthouse.md"
    added.write_text(
        "# Zeltmann Lighthouse\n\nThe Zeltmann lighthouse keeper feeds thirty-seven parrots every morning.\n",
        encoding="utf-8",
    )
    try:
        page.get_by_role("tab", name="Index").click()
        page.locator("#qa-index-refresh").click()
        status = page.locator("#qa-index-status")
        expect(status.locator(".qa-state")).to_have_text("stale")
        expect(status).to_contain_text("added: lighthouse.md")
        chunks_before = int(status.locator(".qa-chunks").inner_text())

        client = Client(app_server.url, verbose=False)
        page.locator("#qa-index-rebuild").click()

        def ask_as_another_user(_: int) -> dict:
            # one Client each: a Client shares one event stream among its calls, and gradio_client 2.7 can close
            # it under a call that joined as another finished (CancelledError) when the machine is busy
            return Client(app_server.url, verbose=False).predict(BAND_QUESTION, 3, "hybrid", api_name="/ask")

        with ThreadPoolExecutor(4) as pool:  # questions asked while the rebuild runs are answered
            answers = list(pool.map(ask_as_another_user, range(8)))
        assert all(a["results"] and a["results"][0]["doc"] == "internal-troops-of-azerbaijan.txt" for a in answers)
        expect(page.locator("#qa-rebuild-message .qa-info")).to_contain_text("Rebuilt", timeout=120_000)
        expect(status.locator(".qa-state")).to_have_text("fresh")
        assert int(status.locator(".qa-chunks").inner_text()) > chunks_before
        response = client.predict("Who feeds the parrots at the Zeltmann lighthouse?", 3, "hybrid", api_name="/ask")
        assert response["results"][0]["doc"] == "lighthouse.md"
        assert_only_local(app_page)
    finally:
        added.unlink(missing_ok=True)
        page.reload()
        rebuild_from_the_page(page)
    expect(page.locator("#qa-index-status .qa-state")).to_have_text("fresh")
    expect(page.locator("#qa-index-status .qa-chunks")).to_have_text(str(chunks_before))
