"""PowerPoint, Excel, OpenDocument spreadsheet and presentation, CSV and RTF files built here (python-pptx,
openpyxl; ODS and ODP by hand with zipfile, as LibreOffice writes them), read with the real libraries."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from document_fixtures import (
    DIAGRAM_DATA,
    DIAGRAM_OUTLINE,
    DIAGRAM_RELS,
    DIAGRAM_URI,
    ODP_SLIDES,
    ODS_SHEETS,
    RTF,
    odf_chart,
    odp_bytes,
    ods_bytes,
    odt_bytes,
    old_workbook_bytes,
    slides_bytes,
    word_bytes,
    workbook_bytes,
)
from robustness_support import damaged_outcomes

from qa.ingest.chunk import chunk_document
from qa.ingest.extract import archive, extract
from qa.ingest.extract import sheets as sheets_module
from qa.ingest.extract.csv import extract_csv
from qa.ingest.extract.odp import extract_odp
from qa.ingest.extract.ods import extract_ods
from qa.ingest.extract.pptx import extract_pptx
from qa.ingest.extract.rtf import extract_rtf
from qa.ingest.extract.sheets import with_merges
from qa.ingest.extract.xls import extract_xls
from qa.ingest.extract.xlsx import MAX_CELLS, cell_text, extract_xlsx
from qa.ingest.load import load_corpus


def test_pptx_slides_are_pages_with_titles_bullets_notes_and_reading_order() -> None:
    doc = extract_pptx(slides_bytes())
    assert doc.title == "Harbour Pumps"
    assert doc.text == (
        "# Harbour Pumps\n\nAnnual review 2024\n\n"
        "# Maintenance\n\n- Inspect the impeller\n  - Check the seals monthly\n\n"
        "## Notes\n\nMention the spring inspection in Tampere.\n\n"
        "# Slide 3\n\nFirst box\n\nSecond box\n\nGroup left\n\nGroup right\n\n"
        "| Part | Number |\n| Impeller | IM-204 |\n| Seal kit | SK-17 |"
    )
    assert len(doc.pages) == 3
    assert [doc.text[start:].split("\n")[0] for start in doc.pages] == ["# Harbour Pumps", "# Maintenance", "# Slide 3"]


def test_pptx_passages_cite_their_slide(tmp_path: Path) -> None:
    (tmp_path / "deck.pptx").write_bytes(slides_bytes())
    doc = load_corpus(tmp_path).documents[0]
    assert doc.kind == "pptx" and doc.title == "Harbour Pumps"
    chunks = chunk_document(doc)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)
    pages = {c.page for c in chunks if "IM-204" in c.text} | {c.page for c in chunks if "Tampere" in c.text}
    assert pages == {3, 2}
    assert any(c.section == "Maintenance › Notes" and "Tampere" in c.text for c in chunks)


def test_odp_slides_are_pages_in_reading_order_with_notes_and_without_repeated_frames(tmp_path: Path) -> None:
    doc = extract_odp(odp_bytes(), "review.odp")
    assert doc.title == "Maintenance"  # no meta.xml title: the first slide's
    assert (
        doc.text
        == (
            "# Maintenance\n\n- Inspect the impeller\n  - Check the seals monthly\n\n"  # the title frame comes last in the XML
            "Group left\n\nGroup right\n\n"  # a group stands where its top shape does, its shapes left to right
            "## Notes\n\nMention the spring inspection in Tampere.\n\n"  # the page number, the picture: left out
            "# Slide 2\n\n| Part | Number |\n| Impeller | IM-204 |"  # untitled; its footer left out
        )
    )
    assert doc.pages == (0, doc.text.index("# Slide 2"))
    (tmp_path / "review.odp").write_bytes(odp_bytes())
    loaded = load_corpus(tmp_path).documents[0]
    chunks = chunk_document(loaded)
    assert loaded.kind == "odp" and {c.page for c in chunks if "IM-204" in c.text} == {2}
    notes = [c for c in chunks if "Tampere" in c.text]  # under the first slide, whose title is the document's
    assert [(c.section, c.page) for c in notes] == [("Notes", 1)]
    inches = ODP_SLIDES.replace(
        'svg:y="0.5in"><draw:image><text:p/></draw:image>',
        'svg:y="2.1in"><draw:text-box><text:p>Kicker</text:p></draw:text-box>',
    )
    kicker = "Check the seals monthly\n\nKicker\n\nGroup left"  # 2.1 in = 5.33 cm: below the outline at 5 cm
    assert kicker in extract_odp(odp_bytes(slides=inches)).text


def test_an_odp_that_is_a_spreadsheet_is_refused_by_its_declared_type() -> None:
    with pytest.raises(ValueError) as caught:
        extract("odp", ods_bytes(), "review.odp")
    assert str(caught.value).startswith(
        "the .odp file declares the type 'application/vnd.oasis.opendocument.spreadsheet'"
    )
    with pytest.raises(ValueError, match="^not an OpenDocument presentation"):
        extract_odp(ods_bytes(mimetype="application/vnd.oasis.opendocument.presentation"))


def test_xlsx_sheets_are_sections_with_the_header_first_and_numbers_as_shown() -> None:
    doc = extract_xlsx(workbook_bytes(), "fleet_2024.xlsx")
    assert doc.title == "Fleet 2024" and doc.pages == ()
    assert doc.text == (
        "# Fleet\n\nFleet register 2024\n\n"
        "| Vessel | Length | Draft | Ratio | Commissioned | Active |\n"
        "| Aurora | 3 | 2.62 | 0.3 | 2024-03-01 | TRUE |\n"
        "| Borealis | 41 | 1.5 | 0.333333333333333 | 2019-07-15 14:30:00 | FALSE |\n\n"
        "# Crew\n\n| Name | Role |\n| Aino | Captain |"
    )  # column A (empty) is gone, the empty sheet is no section


def test_xlsx_merged_cells_read_as_a_person_reads_them() -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Results"
    for row in (
        ["Party", "Votes", None, "Seats"],
        [None, "Number", "%", None],
        ["North Island", 100, 40, 10],
        [None, 50, 20, 3],
        [None, None, None, None],
        [
            "A note merged down two rows that is far too long to be repeated as a label in each row of its range",
            1,
            2,
            3,
        ],
        [None, 4, 5, 6],
    ):
        sheet.append(row)
    for cells in ("B1:C1", "A1:A2", "D1:D2", "A3:A4", "A6:A7"):
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    lines = extract_xlsx(buffer.getvalue(), "votes.xlsx").text.split("\n")
    # the group name merged across two columns names both with the names below it; labels merged down both header
    # rows are named once; a short label merged down rows names each of them; a long note once
    assert lines[2:7] == [
        "| Party | Votes Number | Votes % | Seats |",
        "| North Island | 100 | 40 | 10 |",
        "| North Island | 50 | 20 | 3 |",
        "| A note merged down two rows that is far too long to be repeated as a label in each row of its range | 1 | 2 | 3 |",
        "|  | 4 | 5 | 6 |",
    ]


def test_a_merged_title_and_a_merged_name_over_data_keep_their_rows() -> None:
    assert with_merges([(0, ["Sales 2020", "", ""]), (1, ["Region", "Q1", "Q2"])], [(0, 0, 0, 2)]) == [
        ["Sales 2020", "", ""],
        ["Region", "Q1", "Q2"],
    ]  # a title across the table is no group name (write_sheet makes it a paragraph)
    rows = [(0, ["Region", "Sales", ""]), (1, ["North", "100", "200"])]
    assert with_merges(rows, [(0, 1, 0, 2)]) == [["Region", "Sales", ""], ["North", "100", "200"]]  # data below
    years = [(0, ["Item", "Revenue", ""]), (1, ["", "2019", "2020"]), (2, ["Tea", "5", "6"])]
    assert with_merges(years, [(0, 1, 0, 2), (0, 0, 1, 0)]) == [
        ["Item", "Revenue 2019", "Revenue 2020"],
        ["Tea", "5", "6"],
    ]
    # a range of a million rows labels the rows the sheet fills, and makes none
    assert with_merges([(0, ["a", "b"]), (5, ["", "c"])], [(0, 0, 1_000_000, 0)]) == [["a", "b"], ["a", "c"]]


def test_cell_text_has_no_float_noise() -> None:
    assert [cell_text(v) for v in (3.0, 2.62, 0.1 + 0.2, -7.0, 1e20, None, "x")] == [
        "3",
        "2.62",
        "0.3",
        "-7",
        "1e+20",
        "",
        "x",
    ]


def test_xlsx_over_the_cell_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_CELLS == 200_000
    monkeypatch.setattr(sheets_module, "MAX_CELLS", 10)  # the workbook has 19 filled cells
    with pytest.raises(
        ValueError, match=r"^the workbook has more than 10 filled cells \(limit reached in sheet 'Fleet'"
    ):
        extract_xlsx(workbook_bytes(), "fleet.xlsx")


def test_old_xls_workbooks_read_as_the_same_workbook_saved_as_xlsx() -> None:
    expected = extract_xlsx(workbook_bytes(), "fleet_2024.xlsx").text
    for dates_1904 in (False, True):  # the date cells are told by their format and placed by the file's date system
        doc = extract("xls", old_workbook_bytes(dates_1904), "fleet_2024.xls")
        assert doc.text == expected and doc.title == "Fleet 2024" and doc.pages == ()


def test_xls_cells_are_written_by_their_type() -> None:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Checks")
    for c, name in enumerate(("Item", "Ratio", "Passed", "Count")):
        sheet.write(0, c, name)
    sheet.write(1, 0, "  padded  ")
    sheet.row(1).set_cell_error(1, "#DIV/0!")
    sheet.row(1).set_cell_boolean(2, True)
    sheet.write(1, 3, 12.0)
    out = io.BytesIO()
    book.save(out)
    text = extract_xls(out.getvalue(), "checks.xls").text
    assert text == "# Checks\n\n| Item | Ratio | Passed | Count |\n| padded | #DIV/0! | TRUE | 12 |"


def encrypted_xls(data: bytes) -> bytes:
    """The workbook with a FILEPASS record after its first BOF, as Excel writes a password-protected file."""
    import olefile
    from msg_fixtures import cfb_bytes

    stream = olefile.OleFileIO(io.BytesIO(data)).openstream("Workbook").read()
    bof_end = 4 + struct.unpack("<HH", stream[:4])[1]
    filepass = struct.pack("<HH", 0x002F, 6) + bytes(6)
    return cfb_bytes({"Workbook": stream[:bof_end] + filepass + stream[bof_end:]})


def test_xls_that_cannot_be_read_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from msg_fixtures import cfb_bytes

    data = old_workbook_bytes()
    word = cfb_bytes({"WordDocument": b"W" * 5000, "1Table": b"T" * 300})  # an old .doc under the wrong name
    with pytest.raises(ValueError, match=r"^the \.xls file is an OLE file without a workbook, such as an old Word"):
        extract("xls", word, "budget.xls")
    with pytest.raises(
        ValueError, match=r"^the \.xls workbook is password-protected; save it again without a password$"
    ):
        extract("xls", encrypted_xls(data), "budget.xls")
    with pytest.raises(ValueError, match=r"^the \.xls workbook (cannot be read|is damaged) \(.+\); open and save it"):
        extract("xls", data[: len(data) // 2], "budget.xls")
    with pytest.raises(ValueError, match=r"^the \.xls extension does not match the content, which is a ZIP archive"):
        extract("xls", workbook_bytes(), "budget.xls")  # an .xlsx renamed
    monkeypatch.setattr(sheets_module, "MAX_CELLS", 10)  # the workbook has 19 filled cells
    with pytest.raises(
        ValueError, match=r"^the workbook has more than 10 filled cells \(limit reached in sheet 'Fleet'"
    ):
        extract("xls", data, "budget.xls")


def test_xls_merged_cells_are_read_as_xlsx_ones_are() -> None:
    """The .xlsx merged-cells sheet above saved as Excel 97–2003 (xlwt's write_merge)."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Results")
    note = "A note merged down two rows that is far too long to be repeated as a label in each row of its range"
    sheet.write_merge(0, 1, 0, 0, "Party")
    sheet.write_merge(0, 0, 1, 2, "Votes")
    sheet.write_merge(0, 1, 3, 3, "Seats")
    sheet.write(1, 1, "Number")
    sheet.write(1, 2, "%")
    sheet.write_merge(2, 3, 0, 0, "North Island")
    sheet.write_merge(5, 6, 0, 0, note)
    for r, values in ((2, (100, 40, 10)), (3, (50, 20, 3)), (5, (1, 2, 3)), (6, (4, 5, 6))):
        for c, value in enumerate(values, start=1):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    assert extract("xls", buffer.getvalue(), "votes.xls").text.split("\n")[2:7] == [
        "| Party | Votes Number | Votes % | Seats |",
        "| North Island | 100 | 40 | 10 |",
        "| North Island | 50 | 20 | 3 |",
        f"| {note} | 1 | 2 | 3 |",
        "|  | 4 | 5 | 6 |",
    ]


def test_a_damaged_xls_is_read_or_refused_in_one_line_never_an_error_of_another_kind() -> None:
    outcomes = damaged_outcomes("xls", old_workbook_bytes(), seed=11)
    assert outcomes["read"] and outcomes["refused"]


def test_an_xls_upload_is_checked_as_the_build_reads_it() -> None:
    from msg_fixtures import cfb_bytes

    from qa.errors import QAError
    from qa.web.admission import check_bytes

    check_bytes("budget.xls", old_workbook_bytes())
    with pytest.raises(QAError, match=r"^'budget\.xls' was refused: the \.xls file is an OLE file without a workbook"):
        check_bytes("budget.xls", cfb_bytes({"WordDocument": b"W" * 5000}))


def test_an_xls_in_the_corpus_is_read_and_cut_into_passages_with_its_header(tmp_path: Path) -> None:
    (tmp_path / "fleet_2024.xls").write_bytes(old_workbook_bytes())
    corpus = load_corpus(tmp_path)
    assert [(d.id, d.kind) for d in corpus.documents] == [("fleet_2024.xls", "xls")] and not corpus.skipped
    passages = chunk_document(corpus.documents[0])
    assert any("| Aurora | 3 | 2.62 |" in p.text and "Vessel" in f"{p.lead}\n{p.text}" for p in passages)


def test_an_xls_attached_to_an_email_is_read_as_a_document_of_its_own() -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "Fleet numbers", "a@example.org", "b@example.org"
    message.set_content("The register is attached.")
    message.add_attachment(old_workbook_bytes(), maintype="application", subtype="vnd.ms-excel", filename="f.xls")
    doc = extract("eml", bytes(message), "mail.eml")
    assert [(part.name, part.kind) for part in doc.parts] == [("f.xls", "xls")]
    assert "# Attachment: f.xls\n\n## Fleet\n\nFleet register 2024\n\n| Vessel | Length |" in doc.text


def test_ods_sheets_are_written_as_xlsx_sheets_are_with_cells_as_shown() -> None:
    doc = extract_ods(ods_bytes(title="Harbour fleet"), "fleet-log.ods")
    assert doc.title == "Harbour fleet" and doc.pages == ()
    assert doc.text == (
        "# Fleet\n\nHarbour fleet, spring\n\n"  # the lone cell above the table: a paragraph, not its header
        "| Pump | Hours | Serviced |\n"  # the column empty on every row (a merged-over cell's) is left out
        "| P-7 | 1,240 | 2024-03-01 |\n"  # as shown ("1,240"); a date without text: its stored value
        "| P-9 | idle | 12 % |\n| P-9 | idle | 12 % |\n\n"  # a row repeated twice; the million empty rows: none
        "# Crew\n\n| Name | Role |\n| Ada Lund | Engineer |\n| tbd | tbd |"  # the empty sheet is no section
    )
    assert extract_ods(ods_bytes(), "fleet-log.ods").title == "Fleet log"  # no meta.xml title: the file's name
    assert extract("ods", ods_bytes(), "fleet-log.ods").text == extract_ods(ods_bytes(), "x").text  # registered


def test_ods_merged_cells_are_read_as_xlsx_ones_are() -> None:
    """The same sheet as the .xlsx one above, as LibreOffice stores it: a merged cell spans rows and columns, the
    cells it covers are `covered-table-cell`s, a row repeated between the groups (two rows of the sheet)."""

    def cell(text: str = "", down: int = 1, across: int = 1) -> str:
        spans = (f' table:number-rows-spanned="{down}"' if down > 1 else "") + (
            f' table:number-columns-spanned="{across}"' if across > 1 else ""
        )
        return f"<table:table-cell{spans}><text:p>{text}</text:p></table:table-cell>" if text else "<table:table-cell/>"

    covered = "<table:covered-table-cell/>"
    note = "A note merged down two rows that is far too long to be repeated as a label in each row of its range"
    rows = [
        cell("Party", down=2) + cell("Votes", across=2) + covered + cell("Seats", down=2),
        covered + cell("Number") + cell("%") + covered,
        cell("North Island", down=2) + cell("100") + cell("40") + cell("10"),
        covered + cell("50") + cell("20") + cell("3"),
        "<table:table-cell/>" + cell("0") + cell("0") + cell("0"),
        cell(note, down=2) + cell("1") + cell("2") + cell("3"),
        covered + cell("4") + cell("5") + cell("6"),
    ]
    repeats = ['table:number-rows-repeated="2"' if i == 4 else "" for i in range(len(rows))]
    sheet = "".join(f"<table:table-row {r}>{cells}</table:table-row>" for r, cells in zip(repeats, rows))
    text = extract_ods(ods_bytes(sheets=f'<table:table table:name="Results">{sheet}</table:table>')).text
    assert text.split("\n")[2:9] == [
        "| Party | Votes Number | Votes % | Seats |",
        "| North Island | 100 | 40 | 10 |",
        "| North Island | 50 | 20 | 3 |",
        "|  | 0 | 0 | 0 |",
        "|  | 0 | 0 | 0 |",
        f"| {note} | 1 | 2 | 3 |",
        "|  | 4 | 5 | 6 |",
    ]


def test_ods_repeats_are_expanded_only_within_the_cell_limit() -> None:
    filled = ODS_SHEETS.replace('table:number-rows-repeated="2"', 'table:number-rows-repeated="999999999999999"')
    with pytest.raises(
        ValueError, match=r"^the workbook has more than 200,000 filled cells \(limit reached in sheet 'Fleet'"
    ):
        extract_ods(ods_bytes(sheets=filled))
    wide = ODS_SHEETS.replace(
        'table:number-columns-repeated="3"/>', 'table:number-columns-repeated="3"><text:p>x</text:p></table:table-cell>'
    ).replace(
        '<table:table-cell table:number-columns-repeated="16384"/>',
        '<table:table-cell table:number-columns-repeated="4000000000"><text:p>y</text:p></table:table-cell>',
    )
    with pytest.raises(ValueError, match="more than 200,000 filled cells"):  # 16,384 columns × a million rows
        extract_ods(ods_bytes(sheets=wide))


def test_an_ods_that_is_a_text_document_is_refused_by_its_declared_type() -> None:
    with pytest.raises(ValueError) as caught:
        extract("ods", odt_bytes(), "fleet.ods")
    assert str(caught.value).startswith(
        "the .ods file declares the type 'application/vnd.oasis.opendocument.text', not "
        "application/vnd.oasis.opendocument.spreadsheet"
    )
    with pytest.raises(ValueError, match="^not an OpenDocument spreadsheet"):
        extract_ods(odt_bytes(mimetype="application/vnd.oasis.opendocument.spreadsheet"))


def test_an_xlsx_that_is_a_word_file_is_refused_by_name() -> None:
    with pytest.raises(ValueError) as caught:
        extract("xlsx", word_bytes(), "report.xlsx")
    assert str(caught.value) == (
        "the .xlsx file is a Word document (it holds word/document.xml, not xl/workbook.xml); rename it to .docx"
    )


def test_truncated_pptx_and_xlsx_are_refused_with_one_line() -> None:
    for kind, data, start in (("pptx", slides_bytes(), "PPTX"), ("xlsx", workbook_bytes(), "XLSX")):
        with pytest.raises(ValueError, match=rf"^corrupt or truncated {start} \(") as caught:
            extract(kind, data[: len(data) // 2], f"x.{kind}")
        assert "\n" not in str(caught.value)


def test_pptx_part_claiming_a_huge_size_is_refused_before_inflating() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("ppt/presentation.xml", b" " * (archive.MAX_XML_BYTES + 1))
    with pytest.raises(ValueError, match=r"^PPTX part ppt/presentation.xml expands to 67,108,865 bytes, over the"):
        extract_pptx(out.getvalue())


def test_csv_sniffs_the_delimiter_drops_the_bom_and_keeps_quoted_cells() -> None:
    data = '\ufeffAirline;Incidents;Note;;\r\nAer Lingus;2;"calm; fair";;\r\n\r\nAeroflot;76;;;\r\n'.encode()
    doc = extract_csv(data, "data/airline_safety-2014.csv")
    assert doc.title == "Airline safety 2014"
    assert doc.text == "| Airline | Incidents | Note |\n| Aer Lingus | 2 | calm; fair |\n| Aeroflot | 76 |"


def test_csv_is_decoded_like_a_text_file_and_huge_tables_are_refused() -> None:
    assert extract_csv("name,city\nRené,Köln\n".encode("cp1252"), "people.csv").text == (
        "| name | city |\n| René | Köln |"  # as Excel saves a CSV in Western Europe
    )
    with pytest.raises(ValueError, match=r"^not valid UTF-8 \(byte 0xc0 at offset 10\) nor Western Windows-1252"):
        extract_csv("name,city\nАнна,Баку\n".encode("cp1251"), "people.csv")
    big = b"a,b\n" + b"1,2\n" * (MAX_CELLS // 2)
    with pytest.raises(ValueError, match=r"^the CSV file has more than 200,000 filled cells \(at line 100,001\)"):
        extract_csv(big, "big.csv")
    with pytest.raises(ValueError, match=r"^malformed CSV at line 2 \(field larger than field limit"):
        extract_csv(b"a,b\n" + b"x" * 200_000 + b",1\n", "wide.csv")


def test_rtf_text_and_table_rows() -> None:
    assert extract_rtf(RTF).text == (
        "Pump Guide\n\nInspect the impeller every spring. Café costs € 5.\n\n| Part | Number |\n| Impeller | IM-204 |"
        "\n\nDone."
    )
    with pytest.raises(ValueError, match=r"^not an RTF file \(it does not start with \{\\rtf\)"):
        extract_rtf(b"plain words saved as .rtf")


def retyped(package: bytes, part: str, content_type: str) -> bytes:
    """The package with `content_type` declared for `part`, as Word, PowerPoint and Excel declare a macro-enabled
    file, a template or a slide show."""
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            body = source.read(name)
            if name == "[Content_Types].xml":
                body, count = re.subn(
                    rf'<Override PartName="{re.escape(part)}" ContentType="[^"]*"/>'.encode(),
                    f'<Override PartName="{part}" ContentType="{content_type}"/>'.encode(),
                    body,
                )
                assert count == 1, f"no override for {part}"
            target.writestr(name, body)
    return out.getvalue()


VARIANTS = {  # file name: (its bytes, a word of its text)
    "service.docm": (
        retyped(word_bytes(), "/word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
        "stem",
    ),
    "service.dotx": (
        retyped(
            word_bytes(),
            "/word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
        ),
        "stem",
    ),
    "tour.ppsx": (
        retyped(
            slides_bytes(),
            "/ppt/presentation.xml",
            "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
        ),
        "Harbour",
    ),
    "tour.potm": (
        retyped(
            slides_bytes(), "/ppt/presentation.xml", "application/vnd.ms-powerpoint.template.macroEnabled.main+xml"
        ),
        "Harbour",
    ),
    "ledger.xlsm": (
        retyped(workbook_bytes(), "/xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
        "Borealis",
    ),
    "ledger.xlt": (old_workbook_bytes(), "Borealis"),
    "manual.ott": (odt_bytes(mimetype="application/vnd.oasis.opendocument.text-template"), "Pumps"),
}


def test_macro_enabled_files_templates_and_slide_shows_are_read_as_their_plain_format(tmp_path: Path) -> None:
    for name, (data, _) in VARIANTS.items():
        (tmp_path / name).write_bytes(data)
    corpus = load_corpus(tmp_path)
    assert not corpus.skipped
    read = {doc.id: doc for doc in corpus.documents}
    assert sorted(read) == sorted(VARIANTS)
    for name, (_, word) in VARIANTS.items():
        assert word in read[name].text, name
    assert read["service.docm"].text == read["service.dotx"].text == extract("docx", word_bytes(), "s.docx").text
    assert read["tour.ppsx"].pages == extract("pptx", slides_bytes(), "tour.pptx").pages
    with pytest.raises(ValueError, match=r"^the \.docm extension does not match the content, which is a PDF"):
        extract("docx", b"%PDF-1.7 renamed", "service.docm")


SPREADSHEET_2003 = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">
 <Worksheet ss:Name="Fleet"><Table>
  <Row><Cell><Data ss:Type="String">Vessel</Data></Cell><Cell><Data ss:Type="String">Length</Data></Cell>
   <Cell><Data ss:Type="String">Commissioned</Data></Cell><Cell><Data ss:Type="String">Active</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">Aurora</Data></Cell><Cell><Data ss:Type="Number">3.0</Data></Cell>
   <Cell><Data ss:Type="DateTime">2024-03-01T00:00:00.000</Data></Cell><Cell><Data ss:Type="Boolean">1</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String"><html:B>Bore</html:B>alis</Data></Cell>
   <Cell ss:Index="3"><Data ss:Type="DateTime">2019-07-15T14:30:00.000</Data></Cell></Row>
 </Table></Worksheet>
 <Worksheet ss:Name="Crew"><Table><Row><Cell><Data ss:Type="String">Aino</Data></Cell></Row></Table></Worksheet>
</Workbook>"""
EXCEL_HTML = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
    "<head><title>Fleet export</title></head><body><table><tr><th>Vessel</th><th>Length</th></tr>"
    "<tr><td>Aurora</td><td>3</td></tr></table></body></html>"
)


def test_web_exports_named_doc_or_xls_are_read_by_what_their_text_is(tmp_path: Path) -> None:
    from qa.errors import QAError
    from qa.web.admission import check_bytes

    files = {
        "fleet.xls": SPREADSHEET_2003.encode(),
        "export.xls": EXCEL_HTML.encode(),
        "crew.xls": b"Name\tRole\r\nAino\tCaptain\r\n",
        "unicode.xls": "Name\tRole\r\nAino\tKapitän\r\n".encode("utf-16"),  # Excel's "Unicode Text"
        "letter.doc": RTF,
        "page.doc": b"<!DOCTYPE html><html><body><h1>Notice</h1><p>The ferry leaves at nine.</p></body></html>",
        "notes.doc": b"Plain words in a file named .doc.",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    corpus = load_corpus(tmp_path)
    read = {doc.id: doc for doc in corpus.documents}
    assert read["fleet.xls"].text == (
        "# Fleet\n\n| Vessel | Length | Commissioned | Active |\n| Aurora | 3 | 2024-03-01 | TRUE |\n"
        "| Borealis |  | 2019-07-15 14:30:00 |\n\n# Crew\n\n| Aino |"
    )
    assert read["fleet.xls"].kind == "xls"
    assert "| Vessel | Length |\n| Aurora | 3 |" in read["export.xls"].text
    assert read["crew.xls"].text == "| Name | Role |\n| Aino | Captain |"
    assert read["unicode.xls"].text == "| Name | Role |\n| Aino | Kapitän |"
    assert "ferry leaves at nine" in read["page.doc"].text
    assert read["letter.doc"].text == extract("rtf", files["letter.doc"], "letter.rtf").text
    assert [(s.path, s.reason) for s in corpus.skipped] == [
        (
            "notes.doc",
            "the .doc extension does not match the content, which is text; rename the file to its real type or remove it",
        )
    ]
    check_bytes("export.xls", files["export.xls"])  # an upload is checked by the same rule
    with pytest.raises(QAError, match=r"^'notes\.doc' was refused: the \.doc extension does not match the content"):
        check_bytes("notes.doc", files["notes.doc"])


def test_a_damaged_excel_2003_xml_spreadsheet_is_read_or_refused_in_one_line() -> None:
    outcomes = damaged_outcomes("xls", SPREADSHEET_2003.encode(), seed=9)
    assert outcomes["read"] and outcomes["refused"]


def titled_slide(title: str):  # type: ignore[no-untyped-def]
    """A new deck with one title-only slide titled `title`: (deck, slide)."""
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = title
    return deck, slide


def saved(deck) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def test_a_slides_charts_are_read_as_their_title_and_a_table_of_their_data() -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    deck, slide = titled_slide("Results")
    data = CategoryChartData()
    data.categories = ["2014", "2015"]
    data.add_series("Revenue", (88.0, 93.58))
    data.add_series("Cost", (40, None))
    bars = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1.5), Inches(4), Inches(3), data)
    bars.chart.has_title = True
    bars.chart.chart_title.text_frame.text = "Revenue by year (bn)"
    shares = CategoryChartData()
    shares.categories = ["Ferries", "Buses"]
    shares.add_series("Share", (0.7, 0.3))
    slide.shapes.add_chart(XL_CHART_TYPE.PIE, Inches(5), Inches(1.5), Inches(4), Inches(3), shares)
    assert extract_pptx(saved(deck)).text == (
        "# Results\n\nRevenue by year (bn)\n\n|  | Revenue | Cost |\n| 2014 | 88 | 40 |\n| 2015 | 93.58 |  |\n\n"
        "|  | Share |\n| Ferries | 0.7 |\n| Buses | 0.3 |"
    )


def test_a_slides_smartart_is_read_as_its_outline() -> None:
    from pptx.opc.constants import RELATIONSHIP_TYPE
    from pptx.opc.package import Part
    from pptx.opc.packuri import PackURI
    from pptx.oxml import parse_xml

    deck, slide = titled_slide("Release steps")
    data = Part.load(
        PackURI("/ppt/diagrams/data1.xml"),
        "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
        deck.part.package,
        DIAGRAM_DATA.encode(),
    )
    rid = slide.part.relate_to(data, RELATIONSHIP_TYPE.DIAGRAM_DATA)
    frame = parse_xml(
        '<p:graphicFrame xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<p:nvGraphicFramePr><p:cNvPr id="9" name="Diagram 1"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>'
        '<p:xfrm><a:off x="914400" y="1828800"/><a:ext cx="6096000" cy="3048000"/></p:xfrm>'
        f'<a:graphic><a:graphicData uri="{DIAGRAM_URI}"><dgm:relIds {DIAGRAM_RELS} r:dm="{rid}"/></a:graphicData>'
        "</a:graphic></p:graphicFrame>"
    )
    slide.shapes._spTree.append(frame)
    assert extract_pptx(saved(deck)).text == f"# Release steps\n\n{DIAGRAM_OUTLINE}"


def test_opendocument_charts_are_read_as_their_title_and_data_table() -> None:
    from qa.ingest.extract.odt import extract_odt

    chart = odf_chart("Services by region", [["", "2023", "2024"], ["North", "120", "131"], ["South", "95", "88"]])
    frame = '<draw:frame><draw:object xlink:href="./Object 1" xlink:type="simple"/></draw:frame>'
    body = f"<text:p>Services rose in the north.{frame}</text:p><text:p>{frame}Figures from the depot.</text:p>"
    table = "Services by region\n\n|  | 2023 | 2024 |\n| North | 120 | 131 |\n| South | 95 | 88 |"
    text = extract_odt(odt_bytes(body=body, objects=(("Object 1/content.xml", chart),))).text
    assert text == f"Services rose in the north.\n\n{table}\n\nFigures from the depot."  # shown twice, read once
    slides = (
        '<draw:page draw:name="p1"><draw:frame presentation:class="title"><draw:text-box><text:p>Depot</text:p>'
        f"</draw:text-box></draw:frame>{frame}</draw:page>"
    )
    deck = extract_odp(odp_bytes(slides=slides, objects=(("Object 1/content.xml", chart),)), "depot.odp")
    assert deck.text == f"# Depot\n\n{table}"


FLEET_TABLES = (
    "Fleet\n\nFleet register 2024\n\n| Vessel | Length | Draft | Ratio | Commissioned | Active |\n"
    "| Aurora | 3 | 2.62 | 0.3 | 2024-03-01 | TRUE |\n| Borealis | 41 | 1.5 | 0.333333333333333 | 2019-07-15 14:30:00 | FALSE |"
    "\n\nCrew\n\n| Name | Role |\n| Aino | Captain |"
)


def test_a_workbook_embedded_in_a_slide_is_read_as_its_tables() -> None:
    from pptx.util import Inches

    deck, slide = titled_slide("Harbour fleet")
    slide.shapes.add_ole_object(
        io.BytesIO(workbook_bytes()), "Excel.Sheet.12", Inches(1), Inches(2), Inches(4), Inches(3)
    )
    slide.shapes.add_ole_object(io.BytesIO(b"%PDF-1.4 a document"), "AcroExch.Document", Inches(6), Inches(2))
    assert extract_pptx(saved(deck)).text == f"# Harbour fleet\n\n{FLEET_TABLES}"  # the PDF object: not read


def test_a_slides_title_opens_its_first_passage_and_an_untitled_slides_number_is_in_none(tmp_path: Path) -> None:
    """A slide's title is what the slide says: its first passage holds it (so the reader can answer from it), said
    once in what is embedded and indexed; "Slide 3", written above an untitled slide, is in no passage. So in a
    presentation attached to an e-mail."""
    message = EmailMessage()
    message["Subject"], message["From"] = "Pump deck", "Aino Vantor <aino@example.org>"
    message.set_content("The deck is attached.\n")
    message.add_attachment(slides_bytes(), maintype="application", subtype="octet-stream", filename="deck.pptx")
    (tmp_path / "deck.pptx").write_bytes(slides_bytes())
    (tmp_path / "review.odp").write_bytes(odp_bytes())
    (tmp_path / "mail.eml").write_bytes(bytes(message))
    docs = {doc.id: doc for doc in load_corpus(tmp_path).documents}
    for name, untitled in (("deck.pptx", "Slide 3"), ("review.odp", "Slide 2"), ("mail.eml", "Slide 3")):
        doc = docs[name]
        chunks = chunk_document(doc)
        assert all(doc.text[c.start : c.end] == c.text for c in chunks), name
        opening = next(c for c in chunks if "Inspect the impeller" in c.text)
        assert opening.text.startswith("Maintenance\n\n- Inspect the impeller"), name
        assert opening.context_text().count("Maintenance") == 1, name
        assert not any(untitled in c.text for c in chunks), name
        assert not any(c.text.startswith("Notes") for c in chunks), name  # a heading of the extractor's, not a title
    assert next(c for c in chunk_document(docs["deck.pptx"]) if c.page == 1).text.startswith("Harbour Pumps\n\n")
