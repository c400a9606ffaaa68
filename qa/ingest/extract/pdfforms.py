"""Filled-in PDF forms: the values of a page's form fields, which are annotations drawn over the page and not part
of its text layer, as pieces of text where each field stands, so the page is laid out (pdflayout.py) with
"Applicant name:" and "Aino Virtanen" on one row, as a reader sees the filled form. Text fields, combo and list
boxes give their value; a ticked check box "Yes"; the chosen radio button its option's name (its export value).
Empty fields, unticked boxes, push buttons and signatures give nothing. pdfium's form environment is set up only
for a document that has a form.
"""

from __future__ import annotations

import ctypes
from statistics import median

from .blocks import clean
from .pdflayout import Piece

_TEXT, _COMBO, _LIST = 6, 4, 5  # pdfium's FPDF_FORMFIELD_* types that hold a typed or chosen value
_CHECKBOX, _RADIO = 2, 3
_MAX_VALUE_CHARS = 10_000  # a field's value longer than this is cut (a form is not a book)


def init_forms(pdf) -> bool:  # type: ignore[no-untyped-def]
    """Set up pdfium's form environment when the document has a form (before any page is loaded); whether it did."""
    import pypdfium2.raw as raw

    if raw.FPDF_GetFormType(pdf.raw) == raw.FORMTYPE_NONE:
        return False
    pdf.init_forms()
    return True


def form_pieces(pdf, page, text_pieces: list[Piece]) -> list[Piece]:  # type: ignore[no-untyped-def]
    """The filled fields of `page` as pieces at their boxes, in the page's body text size (so none reads as a
    heading); [] without a form environment."""
    import pypdfium2.raw as raw

    form = getattr(pdf, "formenv", None)
    if form is None:
        return []
    size = median(p.size for p in text_pieces) if text_pieces else 10.0
    pieces = []
    for i in range(raw.FPDFPage_GetAnnotCount(page.raw)):
        annot = raw.FPDFPage_GetAnnot(page.raw, i)
        try:
            if raw.FPDFAnnot_GetSubtype(annot) != raw.FPDF_ANNOT_WIDGET:
                continue
            value = clean(_field_value(raw, form.raw, annot)[:_MAX_VALUE_CHARS])
            rect = raw.FS_RECTF()
            if value and raw.FPDFAnnot_GetRect(annot, rect):
                pieces.append(_piece(rect, size, value))
        finally:
            raw.FPDFPage_CloseAnnot(annot)
    return pieces


def _piece(rect, size: float, value: str) -> Piece:  # type: ignore[no-untyped-def]
    """The value as one line of body text in the middle of the field's box (a tall box would not share a row with
    its label otherwise)."""
    middle = (rect.bottom + rect.top) / 2
    left, right = min(rect.left, rect.right), max(rect.left, rect.right)
    return Piece(left, right, middle - 0.5 * size, middle + 0.5 * size, size, False, value)


def _field_value(raw, form, annot) -> str:  # type: ignore[no-untyped-def]
    """What a filled field shows: its value, "Yes" for a ticked check box, the option of a chosen radio button."""
    kind = raw.FPDFAnnot_GetFormFieldType(form, annot)
    if kind in (_TEXT, _COMBO, _LIST):
        return _string(raw.FPDFAnnot_GetFormFieldValue, form, annot)
    if kind == _CHECKBOX and raw.FPDFAnnot_IsChecked(form, annot):
        return "Yes"
    if kind == _RADIO and raw.FPDFAnnot_IsChecked(form, annot):
        return _string(raw.FPDFAnnot_GetFormFieldExportValue, form, annot)
    return ""


def _string(function, form, annot) -> str:  # type: ignore[no-untyped-def]
    """A UTF-16 string pdfium writes into a buffer it first says the size of (in bytes, with the final NUL)."""
    import pypdfium2.raw as raw

    size = function(form, annot, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    function(form, annot, ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size)
    return buffer.raw[: size - 2].decode("utf-16-le", errors="replace")
