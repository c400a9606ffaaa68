"""Small real documents of the formats beyond PDF/HTML/DOCX, built here with the libraries that write them
(python-pptx, openpyxl, the email package) or by hand with zipfile (EPUB, ODT), for the extract and upload tests."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

from pptx import Presentation
from pptx.util import Inches

PART_ROWS = (("Part", "Number"), ("Impeller", "IM-204"), ("Seal kit", "SK-17"))


def word_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Valve Service Note", level=1)
    document.add_paragraph("Grease the valve stem twice a year.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _textbox(shapes, text: str, left: float, top: float):  # type: ignore[no-untyped-def]
    box = shapes.add_textbox(Inches(left), Inches(top), Inches(2), Inches(0.5))
    box.text_frame.text = text
    return box


def slides_bytes() -> bytes:
    """Three slides: a title slide; a titled bulleted slide with speaker notes; an untitled slide whose text boxes,
    group (inside a group) and table were added out of reading order."""
    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[0])
    first.shapes.title.text = "Harbour Pumps"
    first.placeholders[1].text = "Annual review 2024"
    second = deck.slides.add_slide(deck.slide_layouts[1])
    second.shapes.title.text = "Maintenance"
    body = second.placeholders[1].text_frame
    body.text = "Inspect the impeller"
    deeper = body.add_paragraph()
    deeper.text, deeper.level = "Check the seals monthly", 1
    second.notes_slide.notes_text_frame.text = "Mention the spring inspection in Tampere."
    third = deck.slides.add_slide(deck.slide_layouts[6])  # blank: no title
    table = third.shapes.add_table(3, 2, Inches(1), Inches(6), Inches(4), Inches(1)).table
    for r, row in enumerate(PART_ROWS):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    outer = third.shapes.add_group_shape()
    inner = outer.shapes.add_group_shape()
    _textbox(inner.shapes, "Group right", 5, 4)
    _textbox(outer.shapes, "Group left", 1, 4)
    _textbox(third.shapes, "Second box", 1, 2.5)
    _textbox(third.shapes, "First box", 5, 1)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def workbook_bytes() -> bytes:
    """Sheet "Fleet": a title line above a table starting in column B (column A empty), numbers, dates, booleans;
    sheet "Crew": a plain table; sheet "Empty": nothing."""
    from openpyxl import Workbook

    book = Workbook()
    fleet = book.active
    fleet.title = "Fleet"
    fleet["B1"] = "Fleet register 2024"
    rows = [
        ("Vessel", "Length", "Draft", "Ratio", "Commissioned", "Active"),
        ("Aurora", 3.0, 2.62, 0.1 + 0.2, dt.datetime(2024, 3, 1), True),
        ("Borealis", 41, 1.5, 1 / 3, dt.datetime(2019, 7, 15, 14, 30), False),
    ]
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=2):
            fleet.cell(row=r, column=c, value=value)
    crew = book.create_sheet("Crew")
    crew.append(["Name", "Role"])
    crew.append(["Aino", "Captain"])
    book.create_sheet("Empty")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def old_workbook_bytes(dates_1904: bool = False) -> bytes:
    """`workbook_bytes` saved as an Excel 97–2003 .xls (BIFF8, written by xlwt): the same sheets, cells and types,
    dates in the 1900 or the 1904 date system."""
    import xlwt

    book = xlwt.Workbook()
    book.dates_1904 = dates_1904
    fleet = book.add_sheet("Fleet")
    fleet.write(0, 1, "Fleet register 2024")
    rows = [
        ("Vessel", "Length", "Draft", "Ratio", "Commissioned", "Active"),
        ("Aurora", 3.0, 2.62, 0.1 + 0.2, dt.datetime(2024, 3, 1), True),
        ("Borealis", 41, 1.5, 1 / 3, dt.datetime(2019, 7, 15, 14, 30), False),
    ]
    when = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if isinstance(value, dt.datetime):
                fleet.write(r, c, value, when)
            else:
                fleet.write(r, c, value)
    crew = book.add_sheet("Crew")
    for r, row in enumerate([("Name", "Role"), ("Aino", "Captain")]):
        for c, value in enumerate(row):
            crew.write(r, c, value)
    book.add_sheet("Empty")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip(members: list[tuple[str, bytes | str]]) -> bytes:
    """A ZIP with `mimetype` (when first) stored, the rest deflated, as EPUB and ODF want."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return out.getvalue()


CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

OPF = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="uid">x</dc:identifier>
<dc:title>The Lighthouse Keeper</dc:title><dc:language>en</dc:language></metadata>
<manifest>
<item id="ch2" href="text/ch%202.xhtml" media-type="application/xhtml+xml"/>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="ch1" href="text/ch1.xhtml" media-type="application/xhtml+xml"/>
<item id="ch3" href="text/ch3.xhtml" media-type="application/xhtml+xml"/>
<item id="css" href="style.css" media-type="text/css"/>
</manifest>
<spine><itemref idref="nav"/><itemref idref="ch1"/><itemref idref="ch2"/><itemref idref="ch3"/></spine>
</package>"""


def _xhtml(head: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head>{head}</head><body>{body}</body></html>"
    )


def epub_bytes(mimetype: str = "application/epub+zip", opf: str = OPF) -> bytes:
    """Chapters listed in the spine out of manifest order, one in a folder with a space in its name (a %20 href),
    a navigation document in the spine, chapter titles from <h1>, from a lone <h2>, and from <title> (that chapter
    opening with an <hgroup> repeating it)."""
    return _zip(
        [
            ("mimetype", mimetype),
            ("META-INF/container.xml", CONTAINER),
            ("OEBPS/content.opf", opf),
            ("OEBPS/nav.xhtml", _xhtml("<title>Contents</title>", "<nav><ol><li>Chapter One</li></ol></nav>")),
            (
                "OEBPS/text/ch1.xhtml",
                _xhtml(
                    "<title>ignored</title>",
                    "<h1>Chapter One</h1><p>The keeper rows to the island every Tuesday.</p>"
                    "<h2>The Lamp</h2><p>The lamp burns paraffin.</p>",
                ),
            ),
            ("OEBPS/text/ch 2.xhtml", _xhtml("", "<h2>Storm Season</h2><p>Storms come in November.</p>")),
            (
                "OEBPS/text/ch3.xhtml",
                _xhtml(  # a number and a title in an <hgroup>, as Standard Ebooks sets a chapter's opening
                    "<title>III: The Relief Boat</title>",
                    "<hgroup><h2>III</h2><p>The Relief Boat</p></hgroup><p>The relief boat brings coal.</p>",
                ),
            ),
            ("OEBPS/style.css", "p { margin: 0 }"),
        ]
    )


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"'
)

ODT_BODY = """
<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>Deleted wording.</text:p>
</text:deletion></text:changed-region></text:tracked-changes>
<text:p text:style-name="P1">Pump Manual</text:p>
<text:table-of-content text:name="toc"><text:index-body><text:p>Contents Pumps 1</text:p></text:index-body>
</text:table-of-content>
<text:h text:outline-level="1">Pumps</text:h>
<text:p>Check<text:s text:c="3"/>the <text:span>seals</text:span> weekly.<text:tab/>Replace<text:line-break/>worn
rings.<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body>
<text:p>See the service manual.</text:p></text:note-body></text:note></text:p>
<text:h text:outline-level="2">Inspection</text:h>
<text:list><text:list-item><text:p>Impeller</text:p><text:list><text:list-item><text:p>Blades</text:p>
</text:list-item></text:list></text:list-item><text:list-item><text:p>Bearings</text:p></text:list-item></text:list>
<table:table table:name="Parts"><table:table-column table:number-columns-repeated="2"/>
<table:table-header-rows><table:table-row><table:table-cell><text:p>Part</text:p></table:table-cell>
<table:table-cell><text:p>Number</text:p></table:table-cell></table:table-row></table:table-header-rows>
<table:table-row><table:table-cell><text:p>Impeller</text:p></table:table-cell>
<table:table-cell><text:p>IM-204</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-spanned="2"><text:p>Seal kit SK-17</text:p>
</table:table-cell><table:covered-table-cell/></table:table-row></table:table>
<text:h text:outline-level="2">Storage</text:h>
<text:section text:name="s1"><text:p>Keep spare pumps dry.</text:p></text:section>
<text:h text:outline-level="1">Valves</text:h>
<text:p>Grease the stems.</text:p>
"""


def odt_bytes(
    mimetype: str = "application/vnd.oasis.opendocument.text",
    body: str = ODT_BODY,
    objects: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """An .odt of `body`, with `objects`: (member name, text) of embedded objects' parts ("Object 1/content.xml")."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        '<office:automatic-styles><style:style style:name="P1" style:family="paragraph" '
        'style:parent-style-name="Title"/></office:automatic-styles>'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {_ODF_NS}><office:styles>'
        '<text:outline-style style:name="Outline">'
        '<text:outline-level-style text:level="1" style:num-format="1"/>'
        '<text:outline-level-style text:level="2" style:num-format="1" text:display-levels="2"/>'
        "</text:outline-style></office:styles></office:document-styles>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {_ODF_NS}><office:meta>'
        "<dc:title>Pump Manual</dc:title></office:meta></office:document-meta>"
    )
    return _zip(
        [("mimetype", mimetype), ("content.xml", content), ("styles.xml", styles), ("meta.xml", meta), *objects]
    )


ODS_SHEETS = """
<table:table table:name="Fleet">
<table:table-column table:number-columns-repeated="4"/>
<table:table-row><table:table-cell><text:p>Harbour fleet, spring</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="3"/></table:table-row>
<table:table-header-rows><table:table-row>
<table:table-cell><text:p>Pump</text:p></table:table-cell><table:table-cell><text:p>Hours</text:p></table:table-cell>
<table:table-cell/><table:table-cell><text:p>Serviced</text:p></table:table-cell>
</table:table-row></table:table-header-rows>
<table:table-row><table:table-cell><text:p>P-7</text:p></table:table-cell>
<table:table-cell office:value-type="float" office:value="1240"><text:p>1,240</text:p></table:table-cell>
<table:table-cell/><table:table-cell office:value-type="date" office:date-value="2024-03-01"/></table:table-row>
<table:table-row-group><table:table-row table:number-rows-repeated="2">
<table:table-cell><text:p>P-9</text:p></table:table-cell>
<table:table-cell table:number-columns-spanned="2"><text:p>idle</text:p></table:table-cell>
<table:covered-table-cell/><table:table-cell office:value-type="percentage" office:value="0.12"><text:p>12 %</text:p>
</table:table-cell></table:table-row></table:table-row-group>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/>
</table:table-row>
</table:table>
<table:table table:name="Empty"><table:table-row><table:table-cell/></table:table-row></table:table>
<table:table table:name="Crew">
<table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell><table:table-cell><text:p>Role</text:p>
</table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Ada <text:span>Lund</text:span></text:p></table:table-cell>
<table:table-cell><text:p>Engineer</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"><text:p>tbd</text:p></table:table-cell>
</table:table-row>
</table:table>
"""


def ods_bytes(
    mimetype: str = "application/vnd.oasis.opendocument.spreadsheet", sheets: str = ODS_SHEETS, title: str = ""
) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        f"<office:body><office:spreadsheet>{sheets}</office:spreadsheet></office:body></office:document-content>"
    )
    members: list[tuple[str, bytes | str]] = [("mimetype", mimetype), ("content.xml", content)]
    if title:
        members.append(
            (
                "meta.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {_ODF_NS}><office:meta>'
                f"<dc:title>{title}</dc:title></office:meta></office:document-meta>",
            )
        )
    return _zip(members)


ODP_SLIDES = """
<draw:page draw:name="page1">
<draw:frame presentation:class="page-number" svg:x="20cm" svg:y="18cm"><draw:text-box><text:p>1</text:p>
</draw:text-box></draw:frame>
<draw:frame presentation:class="outline" svg:x="1cm" svg:y="5cm"><draw:text-box><text:list>
<text:list-item><text:p>Inspect the impeller</text:p><text:list><text:list-item><text:p>Check the seals monthly</text:p>
</text:list-item></text:list></text:list-item></text:list></draw:text-box></draw:frame>
<draw:frame presentation:class="title" svg:x="1cm" svg:y="1cm"><draw:text-box><text:p>Maintenance</text:p>
</draw:text-box></draw:frame>
<draw:g><draw:frame svg:x="12cm" svg:y="10cm"><draw:text-box><text:p>Group right</text:p></draw:text-box></draw:frame>
<draw:custom-shape svg:x="1cm" svg:y="10cm"><text:p>Group left</text:p></draw:custom-shape></draw:g>
<draw:frame svg:x="1cm" svg:y="0.5in"><draw:image><text:p/></draw:image></draw:frame>
<presentation:notes><draw:page-thumbnail presentation:class="page"/><draw:frame presentation:class="notes">
<draw:text-box><text:p>Mention the spring inspection in Tampere.</text:p></draw:text-box></draw:frame>
</presentation:notes>
</draw:page>
<draw:page draw:name="page2">
<draw:frame svg:x="1cm" svg:y="2cm"><table:table><table:table-row><table:table-cell><text:p>Part</text:p>
</table:table-cell><table:table-cell><text:p>Number</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Impeller</text:p></table:table-cell><table:table-cell><text:p>IM-204</text:p>
</table:table-cell></table:table-row></table:table></draw:frame>
<draw:frame presentation:class="footer" svg:x="1cm" svg:y="18cm"><draw:text-box><text:p>Harbour Pumps Ltd</text:p>
</draw:text-box></draw:frame>
</draw:page>
"""


def odp_bytes(
    mimetype: str = "application/vnd.oasis.opendocument.presentation",
    slides: str = ODP_SLIDES,
    objects: tuple[tuple[str, str], ...] = (),
) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        f"<office:body><office:presentation>{slides}</office:presentation></office:body></office:document-content>"
    )
    return _zip([("mimetype", mimetype), ("content.xml", content), *objects])


def odf_chart(title: str, rows: list[list[str]]) -> str:
    """An embedded chart object's content.xml: its title and its data table (header row first), as LibreOffice
    writes a chart's own data."""

    def cells(row: list[str], header: bool) -> str:
        kind = "string" if header else "float"
        return "".join(
            f'<table:table-cell office:value-type="{"string" if header or i == 0 else kind}"><text:p>{c}</text:p>'
            "</table:table-cell>"
            for i, c in enumerate(row)
        )

    body = (
        f"<table:table-header-rows><table:table-row>{cells(rows[0], True)}</table:table-row></table:table-header-rows>"
    )
    body += "<table:table-rows>" + "".join(f"<table:table-row>{cells(r, False)}</table:table-row>" for r in rows[1:])
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS} '
        'xmlns:chart="urn:oasis:names:tc:opendocument:xmlns:chart:1.0"><office:body><office:chart>'
        f'<chart:chart chart:class="chart:bar"><chart:title><text:p>{title}</text:p></chart:title>'
        f'<chart:plot-area/><table:table table:name="local-table">{body}</table:table-rows></table:table>'
        "</chart:chart></office:chart></office:body></office:document-content>"
    )


def _message(subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "Aino Vantor <aino@example.org>"
    message["To"] = "Depot <depot@example.org>"
    message["Date"] = "Tue, 04 Jun 2024 09:15:00 +0200"
    message.set_content(body)
    return message


def email_bytes() -> bytes:
    """A plain + HTML body, and attachments: a log, a CSV, a Word file, an image, a damaged workbook and a
    forwarded e-mail."""
    message = _message("Pump P-7 failure", "The pump failed on Tuesday.\n\nSee the attached log and parts list.\n")
    message.add_alternative("<html><body><p>HTML-only rendering of the body.</p></body></html>", subtype="html")
    message.add_attachment("14:02 ERROR impeller jam on P-7\n14:03 INFO pump stopped\n", filename="pump.log")
    message.add_attachment(b"Part,Number\r\nImpeller,IM-204\r\n", maintype="text", subtype="csv", filename="parts.csv")
    message.add_attachment(
        word_bytes(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="valve.docx",
    )
    message.add_attachment(b"\x89PNG\r\n\x1a\n" + bytes(64), maintype="image", subtype="png", filename="photo.png")
    message.add_attachment(b"PK\x03\x04 damaged", maintype="application", subtype="octet-stream", filename="stock.xlsx")
    message.add_attachment(_message("Re: spare impeller", "A spare impeller ships on Friday.\n"))
    return bytes(message)


def nested_email_bytes(levels: int) -> bytes:
    """An e-mail forwarding an e-mail ... `levels` messages deep, the innermost saying where it stands."""
    message = _message(f"Level {levels}", f"Innermost text at level {levels}.\n")
    for level in range(levels - 1, 0, -1):
        outer = _message(f"Level {level}", f"Text at level {level}.\n")
        outer.add_attachment(message)
        message = outer
    return bytes(message)


RTF = rb"""{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}
{\pard\b Pump Guide\b0\par}
{\pard Inspect the impeller every spring. Caf\'e9 costs \u8364? 5.\par}
\trowd\cellx1000\cellx2000
\intbl Part\cell Number\cell\row
\intbl Impeller\cell IM-204\cell\row
\pard Done.\par
}"""


def pdf_of(path: Path, pages: list[str]) -> Path:
    """A PDF with the given text per page (an empty string: a page with no text)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def yellow_rows(png: bytes) -> list[int]:
    """Rows of the picture holding the translucent yellow box (text is black, paper white)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = image.load()
    return [
        y
        for y in range(image.height)
        if any(
            pixels[x, y][0] > 200 and pixels[x, y][1] > 180 and pixels[x, y][2] < 170 for x in range(0, image.width, 3)
        )
    ]


def manual_email(folder: Path, pages: list[str], body: str = "The manual is attached.\n") -> tuple[bytes, bytes]:
    """(e-mail, PDF): an e-mail whose body is `body`, with a log (attachment 1) and a PDF of `pages` (attachment
    2, written beside as `folder/manual.pdf`) attached."""
    message = _message("Manual for P-7", body)
    message.add_attachment("14:02 ERROR impeller jam\n", filename="pump.log")
    pdf = pdf_of(folder / "manual.pdf", pages).read_bytes()
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="manual.pdf")
    return bytes(message), pdf


def form_pdf(labels: list[str], fields: list[tuple[str, str, str]]) -> bytes:
    """A one-page PDF form: `labels` as text lines down the left, and beside the n-th label the n-th field, as
    (kind, name, value): "text" (its value typed in), "check" (value "Yes": ticked, "Off": not), "radio" (the
    option chosen, drawn with an appearance for it and for "Off"). Written object by object, as no test library
    writes form fields."""
    lines = " ".join(f"({label}) Tj 0 -20 Td" for label in labels)
    content = f"BT /F1 12 Tf 72 700 Td {lines} ET".encode()
    count = len(fields)
    refs = " ".join(f"{6 + i} 0 R" for i in range(count))
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{refs}] >> >>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        f"/Resources << /Font << /F1 5 0 R >> >> /Annots [{refs}] >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    appearance = 6 + count  # an empty appearance stream the check boxes and radio buttons name
    for i, (kind, name, value) in enumerate(fields):
        rect = f"[200 {696 - 20 * i} 400 {712 - 20 * i}]"
        if kind == "text":
            entries = f"/FT /Tx /V ({value})"
        else:
            flags = "/Ff 49152" if kind == "radio" else ""
            entries = (
                f"/FT /Btn {flags} /V /{value} /AS /{value} "
                f"/AP << /N << /{value if value != 'Off' else 'Yes'} {appearance} 0 R /Off {appearance} 0 R >> >>"
            )
        objects.append(f"<< /Type /Annot /Subtype /Widget /T ({name}) {entries} /Rect {rect} /P 3 0 R /F 4 >>".encode())
    objects.append(b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Length 0 >>\nstream\n\nendstream")
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets
    )
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)


DIAGRAM_DATA = """<dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst>
<dgm:pt modelId="ship"><dgm:t><a:p><a:r><a:t>Ship</a:t></a:r></a:p></dgm:t></dgm:pt>
<dgm:pt modelId="doc" type="doc"><dgm:t><a:p/></dgm:t></dgm:pt>
<dgm:pt modelId="tests"><dgm:t><a:p><a:r><a:t>Unit tests</a:t></a:r></a:p></dgm:t></dgm:pt>
<dgm:pt modelId="plan"><dgm:t><a:p><a:r><a:t>Plan the </a:t></a:r><a:r><a:t>release</a:t></a:r></a:p></dgm:t></dgm:pt>
<dgm:pt modelId="t1" type="parTrans"><dgm:t><a:p/></dgm:t></dgm:pt>
<dgm:pt modelId="build"><dgm:t><a:p><a:r><a:t>Build</a:t></a:r></a:p></dgm:t></dgm:pt>
</dgm:ptLst><dgm:cxnLst>
<dgm:cxn modelId="c3" srcId="doc" destId="ship" srcOrd="2"/><dgm:cxn modelId="c1" srcId="doc" destId="plan" srcOrd="0"/>
<dgm:cxn modelId="c4" srcId="build" destId="tests" srcOrd="0"/><dgm:cxn modelId="c2" srcId="doc" destId="build" srcOrd="1"/>
<dgm:cxn modelId="p1" type="presOf" srcId="plan" destId="t1" srcOrd="0"/>
</dgm:cxnLst></dgm:dataModel>"""  # SmartArt's data part: points listed out of order, the outline in the connections
DIAGRAM_OUTLINE = "- Plan the release\n- Build\n  - Unit tests\n- Ship"
DIAGRAM_RELS = (
    'xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
DIAGRAM_URI = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
