"""What kind of text a passage is: body text, a table of contents, a reference list or a listing of files.

A table of contents ("2.1 Data ........ 14") and a reference list ("^ Smith, J. (2008). … Retrieved 2012-08-18")
share the words of the body they point at, so they match questions about it without answering them. They are
recognised by their shape, never by the words of a particular document: dot leaders ending in a page number,
citation marks (a year in brackets, "Retrieved <date>", ISBN, DOI, "pp. 12–14", "et al.", a leading "^" or "[12]"),
or a section heading that names such a part in general terms (References, Bibliography, Contents …). A listing of
files (a folder's README or index: table rows or list items each naming a document by its file name, "report.pdf")
describes the documents in a few words each, so it matches questions their own text answers. The ranker places
these kinds below body text (qa/search/rank.py `demote_kinds`); they stay searchable.
"""

from __future__ import annotations

import re
from enum import Enum

from .extract import KINDS
from .tabletext import SEPARATOR


class PassageKind(str, Enum):
    BODY = "body"
    CONTENTS = "contents"  # a table of contents: entries with page numbers
    REFERENCES = "references"  # a bibliography, citation notes, external-link lists
    LISTING = "listing"  # a listing of files: rows or items naming documents by file name (a folder's README)


_LEADER = re.compile(r"(?:(?:\.\s?){4,}|…{2,}|_{4,}|\t)\s*[\divxlcIVXLC]{1,5}\s*\|?\s*$")
_CONTENTS_HEADING = re.compile(
    r"^(?:table of contents|contents|inhalt|inhaltsverzeichnis|sommaire|table des matières|índice|indice)$", re.I
)
_REFERENCES_HEADING = re.compile(
    r"^(?:references?|bibliography|works cited|citations|notes and references|literature"
    r"(?: cited)?|further reading|external links|literatur|literaturverzeichnis|einzelnachweise|quellen|"
    r"weblinks|références|bibliographie)$",
    re.I,
)
_STRONG_CITATION = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\^|\[\d{1,4}\])"  # a note mark: "^ …", "[12] …"
    r"|\bRetrieved\b[^.]{0,40}\d{4}|\bArchived from\b|\bISBN\b|\bdoi\s*[:.]\s*10\.|\barXiv\s*:"
    r"|\b\d{1,4}\s*\(\d{1,4}\)\s*:\s*\d",  # volume(issue): pages
    re.I,
)
_WEAK_CITATION = (
    re.compile(r"\((?:19|20)\d{2}[a-z]?\)"),
    re.compile(r"\bet al\.", re.I),
    re.compile(r"\bpp?\.\s*[\dxvi]+", re.I),
    re.compile(r"\b(?:In|Proceedings|Proc\.|Journal|Press|Publishing|Verlag)\b"),
    re.compile(r"[\"“][^\"”]{8,}[\"”]\s*[.,]"),  # a quoted title
)
_SUFFIXES = "|".join(sorted((re.escape(suffix[1:]) for suffix in KINDS), key=len, reverse=True))
# an entry keyed by a file name of a kind the corpus reader reads: a table row whose first cell, or a list item
# whose first word, is one ("| pdf/llncsdoc.pdf | 230144 |", "- [README.md](README.md): …"); a file named inside a
# cell's text ("saved as “C:\\own.xls”") is not
_FILE_ENTRY = re.compile(
    r"^\s*(?:\|(?:\s*\|)*|[-*•]|\d{1,3}[.)])\s*[\[`\"“]?[\w./\\-]*[\w-]\.(?:"
    + _SUFFIXES
    + r")[\]`\"”]?(?:\s*\||[\s:(–—-]|$)",
    re.I,
)
_ENTRY = re.compile(r"^\s*(?:\||[-*•]\s|\d{1,3}[.)]\s)")  # a table row or a list item
MIN_LINES = 2  # one line of either shape is not yet a list of them
SHARE = 0.6  # of a passage's lines that must have the shape


def is_citation(line: str) -> bool:
    """A line shaped like a bibliography entry or a citation note."""
    if _STRONG_CITATION.search(line):
        return True
    return sum(1 for pattern in _WEAK_CITATION if pattern.search(line)) >= 2


def is_contents_entry(line: str) -> bool:
    """A table-of-contents entry: text, then a dot leader (or tab) and a page number."""
    return bool(_LEADER.search(line.rstrip()))


def names_a_file(line: str) -> bool:
    """A table row or list item about a document: its first cell or word is a file name ("| pdf/report.pdf | 2.1 MB
    |")."""
    return _FILE_ENTRY.match(line) is not None


def is_listing(lines: list[str], continues_table: bool) -> bool:
    """Lines that are mostly table rows or list items, most of those naming a file: two at least, or one row of a
    table the passage was cut from (`continues_table`: its header row is the passage's lead)."""
    entries = [line for line in lines if _ENTRY.match(line) and not SEPARATOR.match(line)]
    named = sum(1 for line in entries if names_a_file(line))
    if not named or len(entries) < (1 if continues_table else MIN_LINES):
        return False
    shaped = sum(1 for line in lines if _ENTRY.match(line))
    return named / len(entries) >= SHARE and shaped / len(lines) >= SHARE


def _share(lines: list[str], test) -> float:  # type: ignore[no-untyped-def]
    return sum(1 for line in lines if test(line)) / len(lines) if lines else 0.0


def passage_kind(text: str, headings: tuple[str, ...] = (), lead: str = "") -> PassageKind:
    """The kind of a passage from its lines, the heading it stands under and its lead (the header row of a table
    the passage continues)."""
    heading = headings[-1].strip().rstrip(":").strip() if headings else ""
    if _CONTENTS_HEADING.match(heading):
        return PassageKind.CONTENTS
    if _REFERENCES_HEADING.match(heading):
        return PassageKind.REFERENCES
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and is_listing(lines, continues_table=any(line.lstrip().startswith("|") for line in lead.splitlines())):
        return PassageKind.LISTING
    if len(lines) < MIN_LINES:
        return PassageKind.BODY
    if _share(lines, is_contents_entry) >= SHARE:
        return PassageKind.CONTENTS
    if _share(lines, is_citation) >= SHARE:
        return PassageKind.REFERENCES
    return PassageKind.BODY
