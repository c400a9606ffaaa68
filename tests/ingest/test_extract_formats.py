"""HTML, DOCX and bad-file handling, on fixtures built here, read with the real selectolax and python-docx."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from document_fixtures import DIAGRAM_DATA, DIAGRAM_OUTLINE, DIAGRAM_RELS, DIAGRAM_URI, workbook_bytes
from fpdf import FPDF

from qa.ingest.chunk import chunk_document
from qa.ingest.extract.docx import MAX_XML_BYTES, extract_docx
from qa.ingest.extract.html import extract_html
from qa.ingest.load import load_corpus

PAGE = b"""<!DOCTYPE html><html><head><title>Vantor Instruments - Encyclopedia</title>
<script>document.write('INJECTED'); alert('x')</script><style>.a{color:red}</style></head>
<body><nav><a href="/">Home</a> <a href="/about">Navigation menu entry</a></nav>
<div id="cookie-banner">We use cookies. Accept all cookies?</div>
<main><h1>Vantor Instruments</h1>
<table class="infobox"><tr><th colspan="2">Vantor Instruments</th></tr>
<tr><th>Founded</th><td>1975</td></tr><tr><th>Headquarters</th><td>Tampere, Finland</td></tr></table>
<p>Vantor Instruments builds weather sensors.<sup><a href="#n1">[1]</a></sup> Its first product was a
<a href="javascript:alert('pwned')" onclick="steal()">rain gauge</a>.</p>
<h2>History<span><a href="/edit">[edit]</a></span></h2>
<p style="display:none">Hidden promotional text.</p>
<ul><li>1975: founded by Aino Vantor</li><li>1990: first radiosonde<ul><li>exported to Chile</li></ul></li></ul>
<h3>Products</h3><p>The company sells anemometers.</p>
<noscript>Enable JavaScript</noscript><footer>Copyright footer text</footer></main></body></html>"""


def test_html_keeps_article_headings_lists_and_infobox_rows() -> None:
    doc = extract_html(PAGE)
    text = doc.text
    assert doc.title == "Vantor Instruments"
    assert text.startswith("# Vantor Instruments\n\n")
    assert "| Founded | 1975 |" in text and "| Headquarters | Tampere, Finland |" in text
    assert "## History\n" in text and "### Products\n" in text
    assert "- 1975: founded by Aino Vantor\n- 1990: first radiosonde" in text
    assert "  - exported to Chile" in text
    assert "Vantor Instruments builds weather sensors. Its first product was a rain gauge." in text


def test_html_drops_scripts_handlers_navigation_and_banners() -> None:
    text = extract_html(PAGE).text
    for absent in (
        "INJECTED",
        "alert",
        "javascript",
        "steal",
        "color:red",
        "Navigation menu entry",
        "cookies",
        "Hidden promotional",
        "Enable JavaScript",
        "Copyright footer",
        "[1]",
        "[edit]",
        "<",
        ">",
    ):
        assert absent not in text, absent


def test_html_chunks_find_the_infobox_row(tmp_path: Path) -> None:
    (tmp_path / "vantor.html").write_bytes(PAGE)
    doc = load_corpus(tmp_path).documents[0]
    assert doc.kind == "html" and doc.pages == ()
    chunks = chunk_document(doc)
    assert all(doc.text[c.start : c.end] == c.text and c.page is None for c in chunks)
    assert any("| Founded | 1975 |" in c.text for c in chunks)
    assert any(c.section == "History" and "radiosonde" in c.text for c in chunks)
    assert any(c.section == "History › Products" and "anemometers" in c.text for c in chunks)


def word_file() -> bytes:
    document = docx.Document()
    document.add_heading("Pump Maintenance Guide", level=0)
    document.add_heading("Inspection", level=1)
    document.add_paragraph("Inspect the impeller every spring.")
    document.add_paragraph("Check the seals", style="List Bullet")
    document.add_paragraph("Check the bearings", style="List Number")
    document.add_heading("Parts", level=2)
    table = document.add_table(rows=3, cols=2)
    for row, (part, number) in zip(table.rows, (("Part", "Number"), ("Impeller", "IM-204"), ("Seal kit", "SK-17"))):
        row.cells[0].text, row.cells[1].text = part, number
    document.add_paragraph("Order parts from the regional depot.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_headings_lists_and_tables_in_order(tmp_path: Path) -> None:
    (tmp_path / "guide.docx").write_bytes(word_file())
    doc = load_corpus(tmp_path).documents[0]
    assert doc.kind == "docx" and doc.title == "Pump Maintenance Guide"
    assert doc.text == (
        "# Pump Maintenance Guide\n\n## Inspection\n\nInspect the impeller every spring.\n\n"
        "- Check the seals\n- Check the bearings\n\n### Parts\n\n"
        "| Part | Number |\n| Impeller | IM-204 |\n| Seal kit | SK-17 |\n\nOrder parts from the regional depot."
    )
    chunks = chunk_document(doc)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)
    assert any(c.section == "Inspection › Parts" and "| Impeller | IM-204 |" in c.text for c in chunks)


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
TEXT_BOX = f"""<w:r {W_NS}
  xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
  xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml">
<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>
<w:p><w:r><w:t>{{text}}</w:t></w:r></w:p>{{inner}}</w:txbxContent></wps:txbx></w:drawing></mc:Choice>
<mc:Fallback><w:pict><v:textbox><w:txbxContent><w:p><w:r><w:t>{{text}}</w:t></w:r></w:p>{{inner}}</w:txbxContent>
</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r>"""


def notes_part(package, kind: str, notes: dict[int, str]):  # type: ignore[no-untyped-def]
    """A footnotes or endnotes part with Word's two separator notes, then `notes` by id."""
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    body = "".join(
        f'<w:{kind} w:id="{i}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p>'
        f"</w:{kind}>"
        for i, text in notes.items()
    )
    xml = (
        f'<w:{kind}s {W_NS}><w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f"</w:{kind}>{body}</w:{kind}s>"
    )
    content_type = CONTENT_TYPE.WML_FOOTNOTES if kind == "footnote" else CONTENT_TYPE.WML_ENDNOTES
    reltype = RELATIONSHIP_TYPE.FOOTNOTES if kind == "footnote" else RELATIONSHIP_TYPE.ENDNOTES
    return Part(PackURI(f"/word/{kind}s.xml"), content_type, xml.encode(), package), reltype


def word_with_notes() -> bytes:
    """Footnotes, an endnote and text boxes (each drawn twice: the shape and its VML fallback), in a paragraph, a
    table cell and a text box inside a text box."""
    from docx.oxml import parse_xml

    def reference(kind: str, note: int) -> object:
        return parse_xml(f'<w:r {W_NS}><w:{kind}Reference w:id="{note}"/></w:r>')

    document = docx.Document()
    document.add_heading("Boiler Service Notes", level=1)
    first = document.add_paragraph("The boiler was serviced in March.")
    first._p.append(reference("footnote", 1))
    first._p.append(reference("endnote", 1))
    document.add_paragraph("The flue was cleaned.")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("Part", "Cost"), ("Valve", "120 EUR"))):
        row.cells[0].text, row.cells[1].text = cells
    table.rows[1].cells[1].paragraphs[0]._p.append(reference("footnote", 2))
    table.rows[1].cells[0].paragraphs[0]._p.append(parse_xml(TEXT_BOX.format(text="Valve from stock.", inner="")))
    boxed = document.add_paragraph()
    inner = f"<w:p>{TEXT_BOX.format(text='Inner box: pressure 1.5 bar.', inner='')}</w:p>"
    boxed._p.append(parse_xml(TEXT_BOX.format(text="Sidebar: call the installer first.", inner=inner)))
    document.add_paragraph("Next service in September.")
    for kind, notes in (
        ("footnote", {1: "Serviced by Kessel GmbH.", 2: "Price without tax."}),
        ("endnote", {1: "See the warranty card."}),
    ):
        part, reltype = notes_part(document.part.package, kind, notes)
        document.part.relate_to(part, reltype)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_merged_cells_keep_their_columns() -> None:
    """A cell merged across columns is followed by empty cells (as HTML's colspan); one merged down rows repeats
    its text in each as a short label ("DPR"), a long text once."""
    document = docx.Document()
    table = document.add_table(rows=4, cols=3)
    for (r, c), text in {(0, 0): "Model", (1, 1): "Top-20", (1, 2): "Top-100", (2, 0): "DPR", (2, 1): "78.4"}.items():
        table.cell(r, c).text = text
    for (r, c), text in {(2, 2): "85.4", (3, 1): "79.1", (3, 2): "86.0"}.items():
        table.cell(r, c).text = text
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Top-k"
    table.cell(2, 0).merge(table.cell(3, 0))
    notes = document.add_table(rows=2, cols=2)
    notes.cell(0, 0).text = "A note that runs on for many more words than a label beside a group of rows would hold."
    notes.cell(0, 0).merge(notes.cell(1, 0))
    notes.cell(0, 1).text, notes.cell(1, 1).text = "x", "y"
    assert extract_docx(saved_document(document)).text.splitlines() == [
        "| Model | Top-k |  |",
        "|  | Top-20 | Top-100 |",
        "| DPR | 78.4 | 85.4 |",
        "| DPR | 79.1 | 86.0 |",
        "",
        "| A note that runs on for many more words than a label beside a group of rows would hold. | x |",
        "|  | y |",
    ]


def test_a_docx_header_of_two_marked_rows_names_each_column_by_both() -> None:
    """Two rows Word repeats as header rows, "Votes" merged over "Number | %": one header row naming each column by
    both; the same table without the mark keeps its two rows (a second row may be data)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def election(marked: bool, value: str = "") -> bytes:
        document = docx.Document()
        table = document.add_table(rows=3, cols=3)
        table.cell(0, 0).merge(table.cell(1, 0)).text = "Party"
        table.cell(0, 1).merge(table.cell(0, 2)).text = "Votes"
        for column, text in ((1, "Number"), (2, "%")):
            table.cell(1, column).text = text
        for column, text in enumerate(("Labour", "9,708,716", "33.7")):
            table.cell(2, column).text = text
        for row in table.rows[:2] if marked else []:
            mark = OxmlElement("w:tblHeader")
            if value:
                mark.set(qn("w:val"), value)
            row._tr.get_or_add_trPr().append(mark)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    assert extract_docx(election(True)).text.splitlines() == [
        "| Party | Votes Number | Votes % |",
        "| Labour | 9,708,716 | 33.7 |",
    ]
    unmerged = ["| Party | Votes |  |", "| Party | Number | % |", "| Labour | 9,708,716 | 33.7 |"]
    assert extract_docx(election(False)).text.splitlines() == unmerged
    assert extract_docx(election(True, "false")).text.splitlines() == unmerged  # the mark switched off


def test_docx_footnotes_endnotes_and_text_boxes_follow_their_anchor() -> None:
    text = extract_docx(word_with_notes()).text
    assert text == (
        "## Boiler Service Notes\n\nThe boiler was serviced in March.\n\nServiced by Kessel GmbH.\n\n"
        "See the warranty card.\n\nThe flue was cleaned.\n\n| Part | Cost |\n| Valve | 120 EUR |\n\n"
        "Price without tax.\n\nValve from stock.\n\nSidebar: call the installer first.\n\n"
        "Inner box: pressure 1.5 bar.\n\nNext service in September."
    )


def test_docx_chart_data_follows_the_paragraph_that_draws_it() -> None:
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from pptx.chart.data import CategoryChartData
    from pptx.chart.xmlwriter import ChartXmlWriter
    from pptx.enum.chart import XL_CHART_TYPE

    data = CategoryChartData()
    data.categories = ["North", "South"]
    data.add_series("Boilers serviced", (120, 95))
    xml = ChartXmlWriter(XL_CHART_TYPE.BAR_CLUSTERED, data).xml.encode()
    document = docx.Document()
    paragraph = document.add_paragraph("Services by region:")
    part = Part(PackURI("/word/charts/chart1.xml"), CONTENT_TYPE.DML_CHART, xml, document.part.package)
    rid = document.part.relate_to(part, RELATIONSHIP_TYPE.CHART)
    paragraph._p.append(
        parse_xml(
            f'<w:r {W_NS} xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:drawing><wp:inline>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            f'<c:chart r:id="{rid}"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>'
        )
    )
    document.add_paragraph("Next year: all regions.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_docx(buffer.getvalue()).text == (
        "Services by region:\n\n|  | Boilers serviced |\n| North | 120 |\n| South | 95 |\n\nNext year: all regions."
    )


def test_docx_smartart_follows_the_paragraph_that_draws_it() -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph("The release has three steps:")
    content_type = "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml"
    part = Part(PackURI("/word/diagrams/data1.xml"), content_type, DIAGRAM_DATA.encode(), document.part.package)
    rid = document.part.relate_to(part, RELATIONSHIP_TYPE.DIAGRAM_DATA)
    paragraph._p.append(
        parse_xml(
            f'<w:r {W_NS} xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><w:drawing><wp:inline><a:graphic>'
            f'<a:graphicData uri="{DIAGRAM_URI}"><dgm:relIds {DIAGRAM_RELS} r:dm="{rid}"/></a:graphicData>'
            "</a:graphic></wp:inline></w:drawing></w:r>"
        )
    )
    document.add_paragraph("Each step is signed off.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_docx(buffer.getvalue()).text == (
        f"The release has three steps:\n\n{DIAGRAM_OUTLINE}\n\nEach step is signed off."
    )


def test_docx_zip_bomb_is_refused_before_parsing() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (MAX_XML_BYTES + 1))
    with pytest.raises(
        ValueError, match=r"word/document.xml expands to 67,108,865 bytes, over the 67,108,864-byte limit"
    ):
        extract_docx(buffer.getvalue())


def test_truncated_docx_is_refused() -> None:
    data = word_file()
    with pytest.raises(ValueError, match=r"^corrupt or truncated DOCX"):
        extract_docx(data[: len(data) // 2])


def test_bad_documents_are_skipped_with_one_line_each(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="A readable PDF about turbines.")
    pdf_bytes = bytes(pdf.output())
    (tmp_path / "good.pdf").write_bytes(pdf_bytes)
    (tmp_path / "copy of good.pdf").write_bytes(pdf_bytes)
    (tmp_path / "page.pdf").write_bytes(PAGE)  # HTML saved under a .pdf name
    (tmp_path / "report.docx").write_bytes(pdf_bytes)  # a PDF renamed .docx
    (tmp_path / "notes.txt").write_bytes(pdf_bytes)  # a PDF renamed .txt
    (tmp_path / "broken.pdf").write_bytes(pdf_bytes[:300])
    (tmp_path / "broken.docx").write_bytes(word_file()[:500])
    loaded = load_corpus(tmp_path)
    assert [d.id for d in loaded.documents] == ["copy of good.pdf"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert reasons["good.pdf"] == "same bytes as 'copy of good.pdf' (a duplicate); indexed once under that name"
    assert reasons["page.pdf"].startswith("the .pdf extension does not match the content, which is text")
    assert reasons["report.docx"].startswith("the .docx extension does not match the content, which is a PDF")
    assert reasons["notes.txt"].startswith("the .txt extension does not match the content, which is a PDF")
    assert reasons["broken.pdf"].startswith("corrupt or truncated PDF")
    assert reasons["broken.docx"].startswith("corrupt or truncated DOCX")
    assert all("\n" not in r for r in reasons.values())
    assert all(s.sha256 for s in loaded.skipped)  # read files keep their hash: a fixed file counts as changed


def test_a_heading_that_heads_nothing_stays_text() -> None:
    """A heading followed at once by one of the same or higher rank (an author line under a title) is text:
    as a heading its words would be in no passage."""
    page = (
        b"<html><body><h1>Tide Tables</h1><h2>Compiled by Ines Marlow</h2><h2>Method</h2><p>Gauges.</p></body></html>"
    )
    text = extract_html(page).text
    assert text == "# Tide Tables\n\nCompiled by Ines Marlow\n\n## Method\n\nGauges."


def test_short_extracted_paragraphs_stay_text(tmp_path: Path) -> None:
    """Headings of an extracted document are the ones its extractor marked: a short line is no section."""
    (tmp_path / "notice.html").write_bytes(
        b"<html><body><h1>Service Notice</h1><p>Last Updated: 2026-06-18</p>"
        b"<p>The ferry timetable changes in winter because of storms on the strait.</p></body></html>"
    )
    doc = load_corpus(tmp_path).documents[0]
    chunks = chunk_document(doc)
    assert any("Last Updated: 2026-06-18" in c.text for c in chunks)
    assert all(c.headings == () for c in chunks)


def test_a_paragraph_opening_with_a_hash_mark_is_text_not_a_heading(tmp_path: Path) -> None:
    """ "# of passages" (a figure's legend, a column of counts) is a sentence: as a heading it would head every
    passage after it and be in none."""
    (tmp_path / "legend.html").write_bytes(
        b"<html><body><h1>Retrieval</h1><p># of retrieved passages per question, for each of the datasets.</p>"
        b"<p>The accuracy rises with the number of passages retrieved for every dataset.</p></body></html>"
    )
    chunks = chunk_document(load_corpus(tmp_path).documents[0])
    assert all(c.headings == () for c in chunks)
    assert any("of retrieved passages per question" in c.text and c.text.startswith("#") for c in chunks)


def test_html_math_keeps_its_alttext_even_when_the_mathml_is_hidden() -> None:
    page = (
        b"<html><body><p>If the mean is denoted by <span class='mwe-math-element'><span style='display: none;'>"
        b"<math alttext='{\\displaystyle \\mu }'><semantics><mi>&#956;</mi><annotation encoding='application/x-tex'>"
        b"{\\displaystyle \\mu }</annotation></semantics></math></span><img alt='mu' src='m.svg'></span>, then the "
        b"variance is <math><semantics><mi>v</mi><annotation encoding='application/x-tex'>\\sigma^2</annotation>"
        b"</semantics></math>.</p></body></html>"
    )
    text = extract_html(page).text
    assert "denoted by \\mu" in text and "variance is \\sigma^2" in text and "displaystyle" not in text


def test_short_lines_of_links_are_navigation_and_left_out() -> None:
    page = (
        b"<html><body><div class='mw-jump'>Jump to: <a href='#n'>navigation</a>, <a href='#s'>search</a></div>"
        b"<div><span><a href='/e'>Edit links</a></span></div>"
        b"<div class='hatnote'>See also: <a href='/f'>Mozilla Foundation</a> and <a href='/c'>Mozilla Corporation</a>"
        b"</div><h1>Mozilla</h1><p>Mozilla is a <a href='/fs'>free-software</a> community created in 1998 by "
        b"members of <a href='/n'>Netscape</a>.</p><p><a href='/r'>Official website</a></p>"
        b"</body></html>"
    )
    text = extract_html(page).text
    assert text.startswith("# Mozilla\n\nMozilla is a free-software community created in 1998 by members of Netscape.")
    for chrome in ("Jump to", "Edit links", "See also", "Official website"):
        assert chrome not in text


def test_private_use_icon_glyphs_are_dropped_from_text() -> None:
    page = "<html><body><p>Author: Daniel Rentz \ue3db http://sc.openoffice.org \ue087</p></body></html>"
    assert extract_html(page.encode("utf-8")).text == "Author: Daniel Rentz http://sc.openoffice.org"


def test_html_cells_spanning_rows_and_columns_stand_in_their_columns() -> None:
    page = (
        b"<html><body><table><tr><th>Training</th><th>Model</th><th colspan='2'>Top-20</th></tr>"
        b"<tr><td rowspan='2'>Single</td><td>DPR</td><td>78.4</td><td>79.4</td></tr>"
        b"<tr><td>BM25</td><td>59.1</td><td>66.9</td></tr>"
        b"<tr><td rowspan='2'><img alt='Auckland' src='a.jpg'> Auckland</td><td>1</td><td>Auckland</td><td>9</td></tr>"
        b"<tr><td>2</td><td>Wellington</td><td>4</td></tr>"
        b"<tr><td colspan='9999'>wide</td><td>last</td></tr></table></body></html>"
    )
    assert extract_html(page).text.splitlines() == [
        "| Training | Model | Top-20 |  |",  # a cell spanning columns: empty cells after it
        "| Single | DPR | 78.4 | 79.4 |",
        "| Single | BM25 | 59.1 | 66.9 |",  # a label spanning rows: repeated in each
        "| Auckland | 1 | Auckland | 9 |",
        "|  | 2 | Wellington | 4 |",  # a picture beside the rows holds its column, empty
        "| wide |  |  |  | last |",  # no wider than the table's widest row (and the cell after it)
    ]


def test_an_html_header_of_two_rows_names_each_column_by_both() -> None:
    """ "Votes" over "Number | %": one header row naming "Votes Number" and "Votes %" (a name spanning both rows
    once); a title row above stays; a second row of data (its first cell a `th` row name) is no header."""
    page = (
        b"<html><body><table><tr><th colspan='5'>General election, 1945</th></tr>"
        b"<tr><th rowspan='2'>Party</th><th colspan='2'>Votes</th><th colspan='2'>Seats</th></tr>"
        b"<tr><th>Number</th><th>%</th><th>Won</th><th>+/-</th></tr>"
        b"<tr><td>Labour</td><td>9,708,716</td><td>33.7</td><td>411</td><td>+209</td></tr>"
        b"<tr><td>Liberal</td><td>2,252,430</td><td>9.0</td><td>12</td><td>-9</td></tr></table>"
        b"<table><tr><th>Year</th><th colspan='2'>Sales</th></tr>"
        b"<tr><th>2015</th><td>93</td><td>12</td></tr><tr><th>2016</th><td>97</td><td>14</td></tr></table>"
        b"</body></html>"
    )
    assert extract_html(page).text.splitlines() == [
        "| General election, 1945 |",
        "| Party | Votes Number | Votes % | Seats Won | Seats +/- |",
        "| Labour | 9,708,716 | 33.7 | 411 | +209 |",
        "| Liberal | 2,252,430 | 9.0 | 12 | -9 |",
        "",
        "| Year | Sales |  |",
        "| 2015 | 93 | 12 |",
        "| 2016 | 97 | 14 |",
    ]
    huge = page.replace(b"colspan='2'>Votes", b"colspan='" + b"9" * 5000 + b"'>Votes")  # no wider than the table
    assert extract_html(huge).text.splitlines()[1:3] == [
        "| Party | Votes |  |  |  | Seats |",
        "| Party | Number | % | Won | +/- |",
    ]


def test_an_html_hgroup_is_one_heading() -> None:
    """A heading and its subtitle in an <hgroup> ("I" and "A Letter with a Postscript") are one heading at the
    heading's level, not a heading and a paragraph; an <hgroup> without a heading is read as a block."""
    page = (
        b"<html><body><hgroup><h2>I</h2><p>A Letter with a Postscript</p></hgroup><p>A gentleman called.</p>"
        b"<hgroup><p>Only a line</p></hgroup></body></html>"
    )
    assert extract_html(page).text.splitlines() == [
        "## I: A Letter with a Postscript",
        "",
        "A gentleman called.",
        "",
        "Only a line",
    ]


def test_html_and_docx_tables_set_side_by_side_read_down_each_copy() -> None:
    """A ranking printed as two copies of "Rank | City | Pop." side by side: 1–2 on the left, 3–4 on the right;
    unfolded, 3 follows 2 under one header, and the photo column beside the copies stays with the first copy."""
    page = (
        b"<html><body><table><tr><th colspan='7'>Largest cities</th></tr>"
        b"<tr><th></th><th>Rank</th><th>City</th><th>Pop.</th><th>Rank</th><th>City</th><th>Pop.</th></tr>"
        b"<tr><td rowspan='2'>(photo)</td><td>1</td><td>Auckland</td><td>1,628,900</td>"
        b"<td>3</td><td>Christchurch</td><td>404,500</td></tr>"
        b"<tr><td>2</td><td>Wellington</td><td>418,500</td><td>4</td><td>Hamilton</td><td>241,200</td></tr>"
        b"</table></body></html>"
    )
    assert extract_html(page).text.splitlines() == [
        "| Largest cities |",
        "|  | Rank | City | Pop. |",
        "| (photo) | 1 | Auckland | 1,628,900 |",
        "| (photo) | 2 | Wellington | 418,500 |",  # a short label spanning rows: in each
        "|  | 3 | Christchurch | 404,500 |",
        "|  | 4 | Hamilton | 241,200 |",
    ]
    document = docx.Document()
    table = document.add_table(rows=3, cols=4)
    for row, cells in zip(table.rows, [("Code", "Style") * 2, ("01H", "Thin", "08H", "Dashed"), ("02H", "Medium")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    assert extract_docx(saved_document(document)).text.splitlines() == [
        "| Code | Style |",
        "| 01H | Thin |",
        "| 02H | Medium |",
        "| 08H | Dashed |",
    ]


def web_archive(html: str, charset: str = "utf-8") -> bytes:
    """A page saved "as a single file" (MHTML): the page, then a picture beside it, in one MIME message."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "Vantor Instruments"
    message["MIME-Version"] = "1.0"
    message.set_content(html, subtype="html", charset=charset, cte="quoted-printable")
    message.make_related()
    message.add_related(b"\x89PNG\r\n\x1a\n" + bytes(40), maintype="image", subtype="png", cid="<logo>")
    return message.as_bytes()


def test_an_mhtml_web_archive_is_read_as_its_page(tmp_path: Path) -> None:
    (tmp_path / "vantor.mht").write_bytes(web_archive(PAGE.decode("utf-8")))
    (tmp_path / "vantor.html").write_bytes(PAGE)
    (tmp_path / "empty.mhtml").write_bytes(b"Subject: nothing\r\nContent-Type: text/plain\r\n\r\nNo page here.\r\n")
    corpus = load_corpus(tmp_path)
    read = {doc.id: doc for doc in corpus.documents}
    assert read["vantor.mht"].text == read["vantor.html"].text and read["vantor.mht"].kind == "mht"
    assert read["vantor.mht"].title == read["vantor.html"].title
    assert [(s.path, s.reason) for s in corpus.skipped] == [
        ("empty.mhtml", "no HTML page in the web archive; save the page again as a single file (.mht)")
    ]


def test_docx_chunks_of_other_formats_are_read_where_they_stand() -> None:
    """html-docx-js and other converters write a whole document as a web archive Word imports on opening."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    page = "<html><body><h1>Boiler log</h1><p>The burner was cleaned on 3 May.</p></body></html>"
    document = docx.Document()
    document.add_paragraph("Before the chunks.")
    chunks = [
        ("/word/afchunk.mht", "message/rfc822", web_archive(page)),
        ("/word/afchunk2.htm", "text/html", b"<html><body><p>Second chunk: filters replaced.</p></body></html>"),
        ("/word/afchunk3.bin", "application/octet-stream", b"not read"),
    ]
    for name, content_type, data in chunks:
        rid = document.part.relate_to(
            Part(PackURI(name), content_type, data, document.part.package), RELATIONSHIP_TYPE.A_F_CHUNK
        )
        document.element.body.sectPr.addprevious(parse_xml(f'<w:altChunk {W_NS} {R_NS} r:id="{rid}"/>'))
    document.add_paragraph("After the chunks.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_docx(buffer.getvalue()).text == (
        "Before the chunks.\n\n# Boiler log\n\nThe burner was cleaned on 3 May.\n\n"
        "Second chunk: filters replaced.\n\nAfter the chunks."
    )


def test_docx_embedded_workbook_follows_the_paragraph_that_shows_it() -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph("The fleet register:")
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    part = Part(PackURI("/word/embeddings/Fleet.xlsx"), content_type, workbook_bytes(), document.part.package)
    rid = document.part.relate_to(part, RELATIONSHIP_TYPE.PACKAGE)
    paragraph._p.append(
        parse_xml(
            f'<w:r {W_NS} {R_NS} xmlns:o="urn:schemas-microsoft-com:office:office"><w:object>'
            f'<o:OLEObject Type="Embed" ProgID="Excel.Sheet.12" ShapeID="_x0000_i1025" r:id="{rid}"/></w:object></w:r>'
        )
    )
    document.add_paragraph("Kept in the harbour office.")
    buffer = io.BytesIO()
    document.save(buffer)
    text = extract_docx(buffer.getvalue()).text
    assert text.startswith("The fleet register:\n\nFleet\n\nFleet register 2024\n\n| Vessel | Length |")
    assert text.endswith("| Name | Role |\n| Aino | Captain |\n\nKept in the harbour office.")


@pytest.mark.ocr
def test_a_scan_pasted_into_a_word_document_is_read_by_ocr(tmp_path: Path) -> None:
    from ocr_support import image_file

    scan = image_file([["The ferry leaves the north pier at nine.", "Tickets are sold on board."]], "PNG")
    pasted = docx.Document()
    pasted.add_picture(io.BytesIO(scan))
    (tmp_path / "scan.docx").write_bytes(saved_document(pasted))
    noted = docx.Document()
    noted.add_paragraph("The timetable changes in May; the ferry company's logo is below.")
    noted.add_picture(io.BytesIO(scan))
    (tmp_path / "notes.docx").write_bytes(saved_document(noted))
    read = {doc.id: doc for doc in load_corpus(tmp_path).documents}
    scanned = read["scan.docx"]
    assert "ferry leaves the north pier at nine" in scanned.text and "Tickets are sold on board" in scanned.text
    assert scanned.ocr_spans == ((0, len(scanned.text)),)
    assert "north pier" not in read["notes.docx"].text and read["notes.docx"].ocr_spans == ()  # its own text


def saved_document(document) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
