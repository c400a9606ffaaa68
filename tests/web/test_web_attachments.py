"""An e-mail's attachments as documents of their own in the app: served as their own files (read out of the message,
by number), an attached PDF's page drawn with the answer marked, and the card naming the attachment and linking to
it (real e-mails made with the email package, real PDFs, real routes behind FastAPI's test client)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from document_fixtures import manual_email, yellow_rows
from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa.engine import Attachment, Result
from qa.search.highlight import AnswerSentence
from qa.web.routes import content_disposition, file_routes
from qa.web.views import links_html, result_section, result_source_html

ANSWER = "The impeller is replaced when its blades are worn to half their width."
PAGES = ["Pump manual, page one. The pump must be primed with water.", f"Pump manual, page two. {ANSWER}"]


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, bytes]:
    """A corpus folder holding mail/p7.eml (a log, then a two-page PDF) and a text file; the PDF's bytes."""
    message, pdf = manual_email(tmp_path, PAGES)
    folder = tmp_path / "corpus"
    (folder / "mail").mkdir(parents=True)
    (folder / "mail" / "p7.eml").write_bytes(message)
    (folder / "notes.txt").write_text("Plain notes.\n")
    return folder, pdf


def client_for(folder: Path) -> TestClient:
    app = FastAPI()
    app.include_router(file_routes(folder))
    return TestClient(app)


def test_an_attachment_is_served_as_its_own_file(corpus: tuple[Path, bytes]) -> None:
    folder, pdf = corpus
    client = client_for(folder)
    shown = client.get("/original/mail/p7.eml", params={"part": 2})
    assert shown.status_code == 200 and shown.content == pdf
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith('inline; filename="manual.pdf"')
    saved = client.get("/original/mail/p7.eml", params={"part": 1, "download": 1})
    assert saved.status_code == 200 and saved.content == b"14:02 ERROR impeller jam\n"
    assert saved.headers["content-disposition"].startswith('attachment; filename="pump.log"')
    assert (
        "sandbox" in saved.headers["content-security-policy"] and saved.headers["x-content-type-options"] == "nosniff"
    )
    whole = client.get("/original/mail/p7.eml")  # without a part: the message itself, as before
    assert whole.status_code == 200 and whole.content == (folder / "mail" / "p7.eml").read_bytes()


@pytest.mark.parametrize(
    ("doc", "part"),
    [("mail/p7.eml", 3), ("notes.txt", 1), ("mail/p7.eml", 0), ("mail/../../p7.eml", 1), ("mail/p7.eml", "x")],
)
def test_no_such_attachment_is_a_404_or_422(corpus: tuple[Path, bytes], doc: str, part: object) -> None:
    response = client_for(corpus[0]).get(f"/original/{doc}", params={"part": part})
    assert response.status_code in (404, 422) and b"impeller" not in response.content


def test_the_page_of_an_attached_pdf_is_drawn_with_the_answer_marked(corpus: tuple[Path, bytes]) -> None:
    client = client_for(corpus[0])
    marked = client.get("/page-image/mail/p7.eml", params={"part": 2, "page": 2, "sentence": ANSWER})
    assert marked.status_code == 200 and marked.headers["content-type"] == "image/png"
    assert len(yellow_rows(marked.content)) > 5
    plain = client.get("/page-image/mail/p7.eml", params={"part": 2, "page": 1, "sentence": ANSWER})
    assert plain.status_code == 200 and yellow_rows(plain.content) == []  # the sentence is not on page 1
    assert client.get("/page-image/mail/p7.eml", params={"part": 2, "page": 3}).status_code == 404
    assert client.get("/page-image/mail/p7.eml", params={"part": 1, "page": 1}).status_code == 404  # a log
    assert client.get("/page-image/mail/p7.eml", params={"page": 1}).status_code == 404  # the message has no pages


def attached_result(attachment: Attachment, page: int | None) -> Result:
    text = f"Pump manual, page two. {ANSWER}"
    answer = AnswerSentence(text.index(ANSWER), len(text), ANSWER, 0.9, None)
    heading = f"Attachment: {attachment.name}"
    return Result(
        1,
        1.0,
        "mail/p7.eml",
        heading,
        page,
        f"{heading} › Wear",
        0,
        len(text),
        text,
        answer,
        (),
        0,
        len(text),
        attachment=attachment,
    )


def test_the_card_names_the_attachment_and_opens_it() -> None:
    pdf = attached_result(Attachment("manual.pdf", "pdf", 2), 2)
    assert result_section(pdf) == "Wear"
    source = result_source_html(pdf)
    assert '<span class="qa-doc">manual.pdf</span> <span class="qa-attached">attached to mail/p7.eml</span>' in source
    assert "page 2" in source and "Attachment:" not in source
    links = links_html(pdf)
    assert 'href="original/mail/p7.eml?part=2#page=2"' in links and ">Open manual.pdf at page 2<" in links
    assert "page-image/mail/p7.eml?page=2&amp;part=2&amp;sentence=" in links and "qa-download" not in links
    log = attached_result(Attachment("pump.log", "txt", 1), None)
    links = links_html(log)
    assert 'href="read/mail/p7.eml?' in links and ">Open pump.log<" in links and "page-image" not in links
    assert 'href="original/mail/p7.eml?part=1&amp;download=1" download>Download pump.log<' in links
    forwarded = links_html(attached_result(Attachment("forwarded e-mail", "msg", 3), None))
    assert 'href="original/mail/p7.eml?download=1" download>Download original<' in forwarded  # no file of its own
    plain = links_html(Result(1, 1.0, "mail/p7.eml", "", None, "", 0, 5, "Hello", None, (), 0, 5))
    assert ">Open p7.eml<" in plain and 'href="original/mail/p7.eml?download=1"' in plain


def test_a_hostile_attachment_name_cannot_break_the_header() -> None:
    header = content_disposition("attachment", 'evil"\r\nSet-Cookie: a=1;.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith("attachment; filename=\"evil___Set-Cookie: a=1_.pdf\"; filename*=utf-8''evil%22%0D%0A")
    assert content_disposition("inline", "Lösung.pdf").endswith("filename*=utf-8''L%C3%B6sung.pdf")


def test_card_html_escapes_the_attachment_name() -> None:
    hostile = attached_result(Attachment("<img src=x onerror=alert(1)>.pdf", "pdf", 2), 2)
    assert "<img src=x" not in links_html(hostile) and "&lt;img src=x" in result_source_html(hostile)


def test_a_message_over_the_file_limit_is_not_parsed_for_its_attachments(
    corpus: tuple[Path, bytes], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The build skips a file over the size limit; a request does not parse one either (it may have grown since)."""
    from qa.web import files, pageimage

    client = client_for(corpus[0])
    assert client.get("/original/mail/p7.eml", params={"part": 2}).status_code == 200
    monkeypatch.setattr(files, "DEFAULT_MAX_FILE_BYTES", 1000)
    pageimage.clear_cache()
    refused = client.get("/original/mail/p7.eml", params={"part": 2})
    assert refused.status_code == 404 and b"no attachments to open" in refused.content
    assert client.get("/page-image/mail/p7.eml", params={"part": 2, "page": 1}).status_code == 404


def test_a_file_in_a_zip_archive_is_served_and_named_as_in_it(tmp_path: Path, corpus: tuple[Path, bytes]) -> None:
    folder, pdf = corpus
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("docs/manual.pdf", pdf)
        archive.writestr("docs/readme.txt", b"Read the manual first.")
    (folder / "bundle.zip").write_bytes(buffer.getvalue())
    client = client_for(folder)
    shown = client.get("/original/bundle.zip", params={"part": 1})
    assert shown.status_code == 200 and shown.content == pdf
    assert shown.headers["content-disposition"].startswith('inline; filename="manual.pdf"')
    assert client.get("/original/bundle.zip", params={"part": 3}).status_code == 404
    result = attached_result(Attachment("docs/manual.pdf", "pdf", 1), 2)
    in_zip = replace(result, doc="bundle.zip", heading="File: docs/manual.pdf", section="File: docs/manual.pdf › Wear")
    source = result_source_html(in_zip)
    assert '<span class="qa-doc">docs/manual.pdf</span> <span class="qa-attached">in bundle.zip</span>' in source
    assert result_section(in_zip) == "Wear" and "File:" not in source


def test_a_message_in_a_mailbox_is_served_and_named_as_in_it(corpus: tuple[Path, bytes]) -> None:
    folder, _ = corpus
    message = b"From: Depot <depot@example.org>\nSubject: Spare impeller\n\nIt ships on Friday.\n"
    (folder / "depot.mbox").write_bytes(b"From depot@example.org Wed Jun  5 10:00:00 2024\n" + message)
    shown = client_for(folder).get("/original/depot.mbox", params={"part": 1, "download": 1})
    assert shown.status_code == 200 and shown.content == message
    assert shown.headers["content-disposition"].startswith('attachment; filename="message-1.eml"')
    result = attached_result(Attachment("Spare impeller", "eml", 1), None)
    source = result_source_html(replace(result, doc="depot.mbox"))
    assert '<span class="qa-doc">Spare impeller</span> <span class="qa-attached">in depot.mbox</span>' in source
