"""Web archives (.mht, .mhtml: a page saved "as a single file" by a browser, or by Word as a single-file web page):
a MIME message whose first HTML part is the page, read by the HTML reader; the pictures and style sheets beside it
are left out. Parsed with the standard `email` package (its transfer encodings and charsets).
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from . import Extracted
from .html import extract_html


def extract_mhtml(data: bytes) -> Extracted:
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    message = BytesParser(policy=policy.default).parsebytes(data)
    page = next((part for part in message.walk() if part.get_content_type() == "text/html"), None)
    if not isinstance(page, EmailMessage):
        raise ValueError("no HTML page in the web archive; save the page again as a single file (.mht)")
    try:
        html = page.get_content()
    except (LookupError, UnicodeDecodeError, ValueError):  # an unknown charset, damaged bytes
        html = (page.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
    return extract_html(html.encode("utf-8") if isinstance(html, str) else bytes(html))
