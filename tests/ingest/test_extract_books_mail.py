"""EPUB and ODT archives written here with zipfile, e-mails with the email package; a corpus of every new kind."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from document_fixtures import (
    OPF,
    RTF,
    email_bytes,
    epub_bytes,
    manual_email,
    nested_email_bytes,
    odp_bytes,
    ods_bytes,
    odt_bytes,
    slides_bytes,
    workbook_bytes,
)

from qa.engine import Attachment, Engine, build_from_folder
from qa.index.config import BuildConfig
from qa.ingest.chunk import chunk_document
from qa.ingest.extract import archive, attached_file
from qa.ingest.extract.email import extract_email
from qa.ingest.extract.epub import extract_epub
from qa.ingest.extract.odt import extract_odt
from qa.ingest.load import Document, load_corpus


def test_epub_chapters_in_spine_order_each_a_section() -> None:
    doc = extract_epub(epub_bytes())
    assert doc.title == "The Lighthouse Keeper"
    assert doc.text == (
        "# Chapter One\n\nThe keeper rows to the island every Tuesday.\n\n## The Lamp\n\nThe lamp burns paraffin.\n\n"
        "# Storm Season\n\nStorms come in November.\n\n"
        "# III: The Relief Boat\n\nThe relief boat brings coal."
    )  # the navigation document is not a chapter; 'III' only repeated the chapter's title


def test_epub_chunks_keep_the_chapter_path(tmp_path: Path) -> None:
    (tmp_path / "keeper.epub").write_bytes(epub_bytes())
    doc = load_corpus(tmp_path).documents[0]
    chunks = chunk_document(doc)
    assert any(c.section == "Chapter One › The Lamp" and "paraffin" in c.text for c in chunks)
    assert any(c.section == "III: The Relief Boat" and "coal" in c.text for c in chunks)


@pytest.mark.parametrize(
    "reader, data, message",
    [
        (
            extract_epub,
            epub_bytes(mimetype="application/zip"),
            "the .epub file declares the type 'application/zip', not application/epub+zip",
        ),
        (
            extract_epub,
            epub_bytes(opf=OPF.replace('href="text/ch1.xhtml"', 'href="text/missing.xhtml"')),
            "the EPUB spine names the part OEBPS/text/missing.xhtml, which is not in the archive; re-save the file",
        ),
        (extract_epub, epub_bytes(opf="<package><broken"), "corrupt EPUB package OEBPS/content.opf ("),
        (extract_odt, odt_bytes()[:700], "corrupt or truncated ODT ("),
        (
            extract_odt,
            odt_bytes(mimetype="application/vnd.oasis.opendocument.spreadsheet"),
            "the .odt file declares the type 'application/vnd.oasis.opendocument.spreadsheet'",
        ),
    ],
)
def test_damaged_or_mislabelled_books_are_refused_with_one_line(reader, data: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError) as caught:
        reader(data)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_odt_headings_numbered_lists_tables_notes_and_no_contents_page() -> None:
    doc = extract_odt(odt_bytes())
    assert doc.title == "Pump Manual"
    assert doc.text == (
        "# Pump Manual\n\n## 1 Pumps\n\nCheck the seals weekly. Replace worn rings.\n\nSee the service manual.\n\n"
        "### 1.1 Inspection\n\n- Impeller\n  - Blades\n- Bearings\n\n"
        "| Part | Number |\n| Impeller | IM-204 |\n| Seal kit SK-17 |\n\n"
        "### 1.2 Storage\n\nKeep spare pumps dry.\n\n## 2 Valves\n\nGrease the stems."
    )  # the table of contents and the tracked deletion are not text


def test_odt_merged_cells_keep_their_columns() -> None:
    """A cell merged across columns leaves empty cells where it covers (none at the row's end); one merged down
    rows repeats its text in each as a short label, as the HTML and Word readers write theirs."""

    def cell(text: str = "", **spans: int) -> str:
        attributes = "".join(f' table:number-{name.replace("_", "-")}="{n}"' for name, n in spans.items())
        return f"<table:table-cell{attributes}><text:p>{text}</text:p></table:table-cell>"

    covered = "<table:covered-table-cell/>"
    rows = [
        cell("Training") + cell("Model") + cell("Top-20") + cell("Top-100"),
        cell("Single", rows_spanned=2) + cell("DPR") + cell("78.4") + cell("85.4"),
        covered + cell("BM25") + cell("59.1") + cell("73.7"),
        cell("Note: both", columns_spanned=2) + covered + cell("—") + cell("—"),
        cell("Multi") + cell("Both", columns_spanned=3) + covered + covered,
    ]
    body = "<table:table>" + "".join(f"<table:table-row>{row}</table:table-row>" for row in rows) + "</table:table>"
    assert extract_odt(odt_bytes(body=body)).text.splitlines() == [
        "| Training | Model | Top-20 | Top-100 |",
        "| Single | DPR | 78.4 | 85.4 |",
        "| Single | BM25 | 59.1 | 73.7 |",
        "| Note: both |  | — | — |",
        "| Multi | Both |",
    ]
    blank_tail = "<table:table>" + "".join(  # rows with two more (blank) cells than their header names
        f"<table:table-row>{row}</table:table-row>"
        for row in (cell("Record ID") + cell("Record name"), cell("00E5H") + cell("MERGEDCELLS") + cell() + cell())
    )
    assert extract_odt(odt_bytes(body=blank_tail + "</table:table>")).text.splitlines() == [
        "| Record ID | Record name |",
        "| 00E5H | MERGEDCELLS |",
    ]
    # two header rows (repeated on each page), "Votes" over "Number | %": one header row naming each column by both
    header = [
        cell("Party", rows_spanned=2) + cell("Votes", columns_spanned=2) + covered,
        covered + cell("Number") + cell("%"),
    ]
    data = cell("Labour") + cell("9,708,716") + cell("33.7")
    marked = "".join(f"<table:table-row>{row}</table:table-row>" for row in header)
    body = f"<table:table><table:table-header-rows>{marked}</table:table-header-rows><table:table-row>{data}</table:table-row></table:table>"
    assert extract_odt(odt_bytes(body=body)).text.splitlines() == [
        "| Party | Votes Number | Votes % |",
        "| Labour | 9,708,716 | 33.7 |",
    ]
    marks = body.replace(cell("Number") + cell("%"), cell("●") + cell("●"))  # a row of marks repeated with it: data
    assert extract_odt(odt_bytes(body=marks)).text.splitlines()[:2] == ["| Party | Votes |", "| Party | ● | ● |"]
    runaway = body.replace('number-rows-spanned="2"', f'number-rows-spanned="{"9" * 5000}"')  # past int()'s digits
    assert extract_odt(odt_bytes(body=runaway)).text.splitlines()[0] == "| Party | Votes Number | Votes % |"
    unmarked = body.replace("<table:table-header-rows>", "").replace("</table:table-header-rows>", "")
    assert extract_odt(odt_bytes(body=unmarked)).text.splitlines()[:2] == [
        "| Party | Votes |",
        "| Party | Number | % |",
    ]


def odt_cell(text: str = "", inner: str = "", **spans: int) -> str:
    """An ODT table cell: `text` as its paragraph, or `inner` (a whole table) as all it holds."""
    attributes = "".join(f' table:number-{name.replace("_", "-")}="{n}"' for name, n in spans.items())
    return f"<table:table-cell{attributes}>{inner or f'<text:p>{text}</text:p>'}</table:table-cell>"


def odt_table(rows: list[str], header: int = 0) -> str:
    marked = [f"<table:table-row>{row}</table:table-row>" for row in rows]
    head = f"<table:table-header-rows>{''.join(marked[:header])}</table:table-header-rows>" if header else ""
    return f"<table:table>{head}{''.join(marked[header:])}</table:table>"


def test_odt_a_table_that_is_all_a_cell_holds_gives_its_rows_lines_of_their_own() -> None:
    """A table inside a cell, lining up codes and names, was one cell "01H Thin 02H Medium"; its rows are rows of
    the table around it, in the columns the cell spans, the row's other cells on the first; a header cell holding
    "Occurs in versions" over "2 | 5 | 8" names each column by both."""
    covered = "<table:covered-table-cell/>"
    inner = odt_table([odt_cell("01H") + odt_cell("Thin"), odt_cell("02H") + odt_cell("Medium"), odt_cell()])
    body = odt_table(
        [
            odt_cell("Index") + odt_cell("Style") + odt_cell("Note"),
            odt_cell(inner=inner, columns_spanned=2) + covered + odt_cell("BIFF3 on"),
        ]
    )
    assert extract_odt(odt_bytes(body=body)).text.splitlines() == [
        "| Index | Style | Note |",
        "| 01H | Thin | BIFF3 on |",
        "| 02H | Medium |  |",  # the inner table's empty last row is no row
    ]
    versions = odt_table(
        [
            odt_cell("Occurs in versions", columns_spanned=3) + covered + covered,
            "".join(odt_cell(v) for v in ("2", "5", "8")),
        ]
    )
    header = odt_cell("Record") + odt_cell(inner=versions, columns_spanned=3) + covered + covered
    data = odt_cell("BOF") + odt_cell("●") + odt_cell("") + odt_cell("●")
    assert extract_odt(odt_bytes(body=odt_table([header, data], header=1))).text.splitlines() == [
        "| Record | Occurs in versions 2 | Occurs in versions 5 | Occurs in versions 8 |",
        "| BOF | ● |  | ● |",
    ]
    beside = odt_table([odt_cell("Key") + odt_cell(inner=inner) + odt_cell("x")])  # too narrow: the rest joined
    wide = odt_table([odt_cell("01H") + odt_cell("Thin") + odt_cell("solid"), odt_cell("02H") + odt_cell("Medium")])
    assert extract_odt(odt_bytes(body=beside.replace(inner, wide))).text.splitlines() == [
        "| Key | 01H Thin solid | x |",  # a first row of data, not names over names: no header made of it
        "|  | 02H Medium |  |",
    ]
    texts = odt_cell(inner=f"<text:p>Codes:</text:p>{inner}")  # text beside the table: flattened, as before
    assert extract_odt(odt_bytes(body=odt_table([texts]))).text == "| Codes: 01H Thin 02H Medium |"


def test_odt_a_table_set_side_by_side_reads_down_each_copy() -> None:
    header = "".join(odt_cell(name) for name in ("ID", "Country") * 2)
    rows = [header] + ["".join(odt_cell(c) for c in row) for row in (("1", "USA", "7", "Russia"), ("2", "Canada"))]
    assert extract_odt(odt_bytes(body=odt_table(rows))).text.splitlines() == [
        "| ID | Country |",
        "| 1 | USA |",
        "| 2 | Canada |",
        "| 7 | Russia |",
    ]


def test_odt_part_claiming_a_huge_size_is_refused_before_inflating() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        bomb.writestr("content.xml", b" " * (archive.MAX_XML_BYTES + 1))
    with pytest.raises(ValueError, match=r"^ODT part content.xml expands to 67,108,865 bytes, over the 67,108,864"):
        extract_odt(out.getvalue())


def test_email_headers_plain_body_and_attachments_as_sections() -> None:
    doc = extract_email(email_bytes(), "mail/p7.eml")
    assert doc.title == "Pump P-7 failure"
    assert doc.text == (
        "# Pump P-7 failure\n\n"
        "From: Aino Vantor <aino@example.org> · To: Depot <depot@example.org> · Date: Tue, 04 Jun 2024 09:15:00 +0200"
        " · Attachments: pump.log, parts.csv, valve.docx, photo.png, stock.xlsx, forwarded e-mail"
        "\n\nThe pump failed on Tuesday.\n\nSee the attached log and parts list.\n\n"
        "Attachment photo.png was not read: not a readable image (Pillow does not recognise it); re-save it as PNG, "
        "JPEG or TIFF\n\n"
        "Attachment stock.xlsx was not read: corrupt or truncated XLSX (File is not a zip file); re-save it from Excel"
        "\n\n# Attachment: pump.log\n\n14:02 ERROR impeller jam on P-7\n14:03 INFO pump stopped\n\n"
        "# Attachment: parts.csv\n\n| Part | Number |\n| Impeller | IM-204 |\n\n"
        "# Attachment: valve.docx\n\n## Valve Service Note\n\nGrease the valve stem twice a year.\n\n"
        "# Attachment: forwarded e-mail\n\n## Re: spare impeller\n\n"
        "From: Aino Vantor <aino@example.org> · To: Depot <depot@example.org> · Date: Tue, 04 Jun 2024 09:15:00 +0200"
        "\n\nA spare impeller ships on Friday."
    )  # text/plain preferred: the HTML alternative is not read


def test_email_html_body_quoted_printable_and_nesting_cap() -> None:
    message = EmailMessage()
    message["Subject"] = "Depot hours"
    message["From"] = "depot@example.org"
    message.set_content(
        "<html><body><h1>Opening hours</h1><p>The depot opens at 07:30 – weekdays only.</p></body></html>",
        subtype="html",
        cte="quoted-printable",
    )
    assert b"quoted-printable" in bytes(message)
    assert extract_email(bytes(message)).text == (
        "# Depot hours\n\nFrom: depot@example.org\n\n## Opening hours\n\nThe depot opens at 07:30 – weekdays only."
    )
    text = extract_email(nested_email_bytes(4)).text
    assert "Text at level 3." in text and "level 4" not in text
    assert text.endswith("Attachment forwarded e-mail was not read: e-mails more than 3 levels deep are not read.")


def test_a_text_file_named_eml_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^not an e-mail message \(no From, To, Subject or Date header\)"):
        extract_email(b"Just some notes about pumps.\n")


def test_a_folder_with_every_new_kind_loads_them_all(tmp_path: Path) -> None:
    files = {
        "deck.pptx": slides_bytes(),
        "fleet.xlsx": workbook_bytes(),
        "parts.csv": b"Part,Number\nImpeller,IM-204\n",
        "keeper.epub": epub_bytes(),
        "manual.odt": odt_bytes(),
        "fleet-log.ods": ods_bytes(),
        "review.odp": odp_bytes(),
        "p7.eml": email_bytes(),
        "guide.rtf": RTF,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    loaded = load_corpus(tmp_path)
    assert loaded.skipped == ()
    kinds = {d.id: (d.kind, d.title, len(d.pages)) for d in loaded.documents}
    assert kinds == {
        "deck.pptx": ("pptx", "Harbour Pumps", 3),
        "fleet.xlsx": ("xlsx", "Fleet", 0),
        "parts.csv": ("csv", "Parts", 0),
        "keeper.epub": ("epub", "The Lighthouse Keeper", 0),
        "manual.odt": ("odt", "Pump Manual", 0),
        "fleet-log.ods": ("ods", "Fleet log", 0),
        "review.odp": ("odp", "Maintenance", 2),
        "p7.eml": ("eml", "Pump P-7 failure", 0),
        "guide.rtf": ("rtf", "Guide", 0),
    }
    for doc in loaded.documents:
        assert all(doc.text[c.start : c.end] == c.text for c in chunk_document(doc)), doc.id


def test_attachments_are_documents_of_their_own_and_an_attached_pdf_keeps_its_pages(
    tmp_path: Path, hash_encoder
) -> None:  # type: ignore[no-untyped-def]
    """Each attachment read is a part of the message: its name, kind, number and stretch of text. A passage of it
    is cited as that attachment (at its page for a PDF, cut at the page break), in the answer's JSON too, while the
    e-mail's body has no attachment and no page; the attachment's bytes come back by its number."""
    pages = [
        "Pump manual, page one. " + "The pump must be primed with water before it is started. " * 6,
        "Pump manual, page two. " + "The impeller is replaced when its blades are worn to half their width. " * 6,
        "Pump manual, page three. " + "Store the pump in a dry room over the winter months. " * 6,
    ]
    message, pdf = manual_email(tmp_path, pages, "The manual is attached. The depot closes at noon on Fridays.\n")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "p7.eml").write_bytes(message)
    build_from_folder(
        tmp_path / "corpus", tmp_path / "index", BuildConfig(model=hash_encoder.name), encoder=hash_encoder
    )
    with Engine.open(tmp_path / "index", encoder=hash_encoder, reader=False) as engine:
        response = engine.ask("When is the impeller replaced?", k=1)
        body = engine.ask("When does the depot close on Fridays?", k=1).results[0]
    top = response.results[0]
    assert top.doc == "p7.eml" and top.page == 2 and top.attachment == Attachment("manual.pdf", "pdf", 2)
    assert response.to_json()["results"][0]["attachment"] == {"name": "manual.pdf", "kind": "pdf", "number": 2}
    assert "closes at noon" in body.text and body.attachment is None and body.page is None
    extracted = extract_email(message, "p7.eml")
    log, manual = extracted.parts
    assert (log.name, log.kind, log.number, log.pages) == ("pump.log", "txt", 1, ())
    assert extracted.text[log.start : log.end].strip() == "# Attachment: pump.log\n\n14:02 ERROR impeller jam"
    assert (manual.name, manual.kind, manual.number, len(manual.pages)) == ("manual.pdf", "pdf", 2, 3)
    assert extracted.text[manual.start :].startswith("# Attachment: manual.pdf\n") and manual.end == len(extracted.text)
    assert extracted.text[manual.pages[1] :].startswith("Pump manual, page two.")
    doc = Document("p7.eml", extracted.text, extracted.title, "0", kind="eml", parts=extracted.parts)
    cited = {(chunk.page, chunk.text.split(".")[0]) for chunk in chunk_document(doc)}
    assert {(1, "Pump manual, page one"), (2, "Pump manual, page two"), (3, "Pump manual, page three")} <= cited
    assert all(page is None for page, text in cited if "manual is attached" in text or "ERROR" in text)
    assert doc.part_at(extracted.text.index("14:02")) == log and doc.part_at(0) is None
    assert attached_file("eml", message, 2) == ("manual.pdf", pdf)
    assert attached_file("eml", message, 1) == ("pump.log", b"14:02 ERROR impeller jam\n")
    with pytest.raises(ValueError, match="the message has no attachment 3"):
        attached_file("eml", message, 3)
    with pytest.raises(ValueError, match="a .pdf file has no attachments"):
        attached_file("pdf", pdf, 1)


def test_an_attached_e_mail_comes_back_as_an_eml_file() -> None:
    data = email_bytes()
    parts = extract_email(data, "p7.eml").parts
    assert [(p.number, p.name, p.kind) for p in parts] == [
        (1, "pump.log", "txt"),
        (2, "parts.csv", "csv"),
        (3, "valve.docx", "docx"),
        (6, "forwarded e-mail", "eml"),
    ]  # attachments 4 and 5 (a damaged image and workbook) were not read: no part, their numbers kept
    name, forwarded = attached_file("eml", data, 6)
    assert name == "forwarded e-mail.eml" and extract_email(forwarded).title == "Re: spare impeller"
