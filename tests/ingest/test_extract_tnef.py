"""Outlook's winmail.dat (qa/ingest/extract/tnef.py), written here attribute by attribute as [MS-OXTNEF] lays it out,
attached to a real e-mail: the files inside read by their own readers, under their long names."""

from __future__ import annotations

import struct
from email.message import EmailMessage
from pathlib import Path

import pytest
from document_fixtures import pdf_of
from robustness_support import damaged_outcomes

from qa.ingest.extract import extract
from qa.ingest.extract.tnef import tnef_files


def attribute(level: int, attribute_id: int, value: bytes) -> bytes:
    return (
        bytes([level]) + struct.pack("<II", attribute_id, len(value)) + value + struct.pack("<H", sum(value) & 0xFFFF)
    )


def winmail(files: list[tuple[str, str, bytes]]) -> bytes:
    """A TNEF stream: the version at message level, then each file's rendering, 8.3 title, bytes and (when given)
    long name among its MAPI properties."""
    out = struct.pack("<IH", 0x223E9F78, 1) + attribute(1, 0x00089006, b"\x00\x00\x01\x00")
    for title, long_name, data in files:
        out += attribute(2, 0x00069002, bytes(14)) + attribute(2, 0x00018010, title.encode() + b"\x00")
        out += attribute(2, 0x0006800F, data)
        if long_name:
            name = (long_name + "\x00").encode("utf-16-le")
            name += bytes(-len(name) % 4)
            properties = struct.pack("<I", 1) + b"\x1f\x00\x07\x37" + struct.pack("<II", 1, len(name)) + name
            out += attribute(2, 0x00069005, properties)
    return out


def test_the_files_outlook_packed_into_winmail_dat_are_read(tmp_path: Path) -> None:
    pdf = pdf_of(tmp_path / "q.pdf", ["Quarterly report. Boiler repairs cost 4,200 euros."]).read_bytes()
    packed = winmail([("QUARTE~1.PDF", "Quarterly report.pdf", pdf), ("NOTES.TXT", "", b"Call the depot on Monday.")])
    assert [name for name, _ in tnef_files(packed)] == ["Quarterly report.pdf", "NOTES.TXT"]
    message = EmailMessage()
    message["Subject"] = "Report attached"
    message["From"] = "Aino <aino@example.org>"
    message.set_content("See the report.\n")
    message.add_attachment(packed, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    text = extract("eml", bytes(message), "report.eml").text
    assert "# Attachment: winmail.dat\n\n## File: Quarterly report.pdf\n\nQuarterly report. Boiler repairs" in text
    assert "## File: NOTES.TXT\n\nCall the depot on Monday." in text


def test_a_damaged_winmail_dat_is_named_in_one_line() -> None:
    with pytest.raises(ValueError, match=r"^not a TNEF file"):
        tnef_files(b"PK\x03\x04 a zip")
    packed = winmail([("NOTES.TXT", "", b"Call the depot on Monday.")])
    with pytest.raises(ValueError, match=r"^the TNEF file is damaged \(an attribute at byte \d+ runs past its end\)"):
        tnef_files(packed[:-10])
    long = winmail([("NOTES.TXT", "Depot notes.txt", b"Call the depot on Monday. " * 40)])
    outcomes = damaged_outcomes("tnef", long, seed=11)
    assert outcomes["read"] and outcomes["refused"]
