"""Outlook .msg files written here, for the extract tests: a small compound-file (CFB v3) writer and a builder of
the MAPI property streams an .msg holds. Written from the specifications ([MS-CFB], [MS-OXMSG]), not from our
reader's constants, so the tests check the reader against the format rather than against itself.

The writer: 512-byte sectors; the FAT first, then the directory, the mini FAT, the mini stream and the streams of
4096 bytes or more in regular sectors; streams under 4096 bytes in 64-byte mini sectors; each storage's children
in a balanced binary tree in the format's order (shorter names first, then by upper-case name), all black, which
is a valid red-black tree for a reader (none checks the colours).
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
Tree = dict[str, Union[bytes, "Tree"]]  # a storage: stream name -> bytes, storage name -> its own Tree

PT_LONG, PT_SYSTIME, PT_STRING8, PT_UNICODE, PT_BINARY = 0x0003, 0x0040, 0x001E, 0x001F, 0x0102
EPOCH_1601 = dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    start: int = ENDOFCHAIN
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM


def _flatten(tree: Tree) -> list[_Entry]:
    entries = [_Entry("Root Entry", 5)]

    def add(storage: int, members: Tree) -> None:
        for name, value in members.items():
            entries.append(_Entry(name, 1 if isinstance(value, dict) else 2, b"" if isinstance(value, dict) else value))
            sid = len(entries) - 1
            entries[storage].children.append(sid)
            if isinstance(value, dict):
                add(sid, value)

    add(0, tree)
    return entries


def _balanced(entries: list[_Entry], sids: list[int]) -> int:
    """The root of a balanced tree of `sids` (sorted): its left and right siblings set, recursively."""
    if not sids:
        return NOSTREAM
    middle = len(sids) // 2
    root = sids[middle]
    entries[root].left = _balanced(entries, sids[:middle])
    entries[root].right = _balanced(entries, sids[middle + 1 :])
    return root


def _sectors(size: int, unit: int = SECTOR) -> int:
    return -(-size // unit)


def _chain(fat: list[int], first: int, count: int) -> None:
    for sector in range(first, first + count):
        fat[sector] = sector + 1 if sector + 1 < first + count else ENDOFCHAIN


def cfb_bytes(tree: Tree, empty_start: int = ENDOFCHAIN) -> bytes:
    """A CFB v3 file holding the streams and storages of `tree`; `empty_start` is the start sector written for an
    empty stream (ENDOFCHAIN by the specification; some writers put 0)."""
    entries = _flatten(tree)
    for entry in entries:
        ordered = sorted(entry.children, key=lambda sid: (len(entries[sid].name), entries[sid].name.upper()))
        entry.child = _balanced(entries, ordered)
    mini, minifat = bytearray(), []
    big = []
    for entry in entries:
        if entry.kind != 2 or not entry.data:
            continue
        if len(entry.data) < MINI_CUTOFF:
            entry.start, count = len(mini) // MINI_SECTOR, _sectors(len(entry.data), MINI_SECTOR)
            minifat += [entry.start + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            mini += entry.data.ljust(count * MINI_SECTOR, b"\x00")
        else:
            big.append(entry)
    dir_count = _sectors(len(entries) * 128)
    minifat_count = _sectors(len(minifat) * 4)
    mini_count = _sectors(len(mini))
    data_count = dir_count + minifat_count + mini_count + sum(_sectors(len(e.data)) for e in big)
    fat_count = 1
    while fat_count * (SECTOR // 4) < data_count + fat_count:
        fat_count += 1
    assert fat_count <= 109, "files over ~7 MB need a DIFAT, which this writer does not write"
    fat = [FREESECT] * (fat_count * SECTOR // 4)
    fat[:fat_count] = [FATSECT] * fat_count
    first_dir = fat_count
    _chain(fat, first_dir, dir_count)
    first_minifat = first_dir + dir_count
    _chain(fat, first_minifat, minifat_count)
    first_mini = first_minifat + minifat_count
    _chain(fat, first_mini, mini_count)
    entries[0].start = first_mini if mini else ENDOFCHAIN
    streams = []
    sector = first_mini + mini_count
    for entry in big:
        count = _sectors(len(entry.data))
        entry.start = sector
        _chain(fat, sector, count)
        streams.append(entry.data.ljust(count * SECTOR, b"\x00"))
        sector += count
    directory = b"".join(
        _dir_entry(e, len(mini) if i == 0 else len(e.data), empty_start) for i, e in enumerate(entries)
    )
    return b"".join(
        [
            _header(fat_count, first_dir, first_minifat if minifat else ENDOFCHAIN, minifat_count),
            struct.pack(f"<{len(fat)}I", *fat),
            directory.ljust(dir_count * SECTOR, b"\x00"),
            struct.pack(f"<{len(minifat)}I", *minifat).ljust(minifat_count * SECTOR, b"\xff"),
            bytes(mini).ljust(mini_count * SECTOR, b"\x00"),
            *streams,
        ]
    )


def _header(fat_count: int, first_dir: int, first_minifat: int, minifat_count: int) -> bytes:
    fixed = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        SIGNATURE,
        bytes(16),
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift: 2**9 = 512
        6,  # mini sector shift: 2**6 = 64
        bytes(6),
        0,  # directory sectors: always 0 in version 3
        fat_count,
        first_dir,
        0,  # transaction signature
        MINI_CUTOFF,
        first_minifat,
        minifat_count,
        ENDOFCHAIN,  # no DIFAT sectors
        0,
    )
    difat = list(range(fat_count)) + [FREESECT] * (109 - fat_count)
    return fixed + struct.pack("<109I", *difat)


def _dir_entry(entry: _Entry, size: int, empty_start: int) -> bytes:
    name = (entry.name + "\x00").encode("utf-16-le")
    start = entry.start if size else empty_start if entry.kind == 2 else ENDOFCHAIN
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name,
        len(name),
        entry.kind,
        1,  # black
        entry.left,
        entry.right,
        entry.child,
        bytes(16),
        0,
        0,
        0,
        start if entry.kind != 1 else 0,
        size,
    )


# --- Outlook messages ([MS-OXMSG]) --------------------------------------------------------------------------------


def _prop(prop: int, kind: int) -> str:
    return f"__substg1.0_{prop:04X}{kind:04X}"


def filetime(when: dt.datetime) -> int:
    return (when - EPOCH_1601) // dt.timedelta(microseconds=1) * 10


def _properties(header: bytes, fixed: Sequence[tuple[int, int, bytes]], variable: Tree) -> bytes:
    """`__properties_version1.0`: the header, then 16-byte entries (tag, flags, 8-byte value or size)."""
    entries = [struct.pack("<II8s", (prop << 16) | kind, 6, value) for prop, kind, value in fixed]
    for name, value in variable.items():
        if isinstance(value, bytes) and name.startswith("__substg1.0_"):
            tag = int(name[-8:], 16)
            entries.append(struct.pack("<IIII", tag, 6, len(value), 0))
    return header + b"".join(entries)


def _strings(values: dict[int, str], kind: int, codepage: str) -> Tree:
    encoding = "utf-16-le" if kind == PT_UNICODE else codepage
    return {_prop(prop, kind): text.encode(encoding) for prop, text in values.items() if text}


def message_tree(
    subject: str = "",
    sender: tuple[str, str] = ("", ""),
    to: str = "",
    date: dt.datetime | None = None,
    body: str | None = None,
    attachments: Sequence[tuple[str, bytes | Tree]] = (),
    *,
    html: bytes | str | None = None,
    cc: str = "",
    headers: str = "",
    codepage: int | None = None,
    embedded: bool = False,
) -> Tree:
    """The storages and streams of one message. `html` as bytes is the binary HTML body (1013 0102), as str the
    UTF-16 one; an attachment whose value is a Tree (from `message_tree(..., embedded=True)`) is an embedded
    message (method 5); with `codepage` the strings are 8-bit (001E) in that Windows code page, which
    PR_MESSAGE_CODEPAGE names."""
    kind = PT_UNICODE if codepage is None else PT_STRING8
    encoding = f"cp{codepage}"
    strings = {0x0037: subject, 0x0C1A: sender[0], 0x0C1F: sender[1], 0x0E04: to, 0x0E03: cc, 0x007D: headers}
    tree: Tree = {**_strings(strings, kind, encoding), **_strings({0x001A: "IPM.Note"}, kind, encoding)}
    if body is not None:
        tree[_prop(0x1000, kind)] = body.encode("utf-16-le" if kind == PT_UNICODE else encoding)
    if isinstance(html, bytes):
        tree[_prop(0x1013, PT_BINARY)] = html
    elif html is not None:
        tree[_prop(0x1013, PT_UNICODE)] = html.encode("utf-16-le")
    fixed = [(0x0E07, PT_LONG, struct.pack("<Q", 1))]  # PR_MESSAGE_FLAGS: read
    if date is not None:
        fixed.append((0x0039, PT_SYSTIME, struct.pack("<Q", filetime(date))))
    if codepage is not None:
        fixed.append((0x3FFD, PT_LONG, struct.pack("<Q", codepage)))
    tree["__recip_version1.0_#00000000"] = _recipient(to)
    for number, (name, data) in enumerate(attachments):
        tree[f"__attach_version1.0_#{number:08X}"] = _attachment(name, data)
    if not embedded:
        tree["__nameid_version1.0"] = {_prop(number, PT_BINARY): b"" for number in (2, 3, 4)}  # no named properties
    head = struct.pack("<8sIIII", bytes(8), 1, len(attachments), 1, len(attachments))
    header = head if embedded else head + bytes(8)  # 24 bytes in an embedded message, 32 at the top
    tree["__properties_version1.0"] = _properties(header, fixed, tree)
    return tree


def _recipient(display: str) -> Tree:
    recipient = _strings({0x3001: display or "nobody", 0x39FE: "depot@example.org"}, PT_UNICODE, "")
    recipient["__properties_version1.0"] = _properties(bytes(8), [(0x0C15, PT_LONG, struct.pack("<Q", 1))], recipient)
    return recipient


def _attachment(name: str, data: bytes | Tree) -> Tree:
    method = 5 if isinstance(data, dict) else 1  # ATTACH_EMBEDDED_MSG, ATTACH_BY_VALUE
    storage: Tree = _strings({0x3707: name, 0x3704: name[:8], 0x3001: name}, PT_UNICODE, "")
    if isinstance(data, dict):
        storage["__substg1.0_3701000D"] = data
    else:
        storage[_prop(0x3701, PT_BINARY)] = data
    fixed = [(0x3705, PT_LONG, struct.pack("<Q", method))]
    storage["__properties_version1.0"] = _properties(bytes(8), fixed, storage)
    return storage


def msg_bytes(*args, **kwargs) -> bytes:  # type: ignore[no-untyped-def]
    """An .msg file: `message_tree`'s arguments."""
    return cfb_bytes(message_tree(*args, **kwargs))
