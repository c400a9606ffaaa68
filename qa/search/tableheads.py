"""The header row of a table a window starts inside: the reader and the table rules name a row's cells by it.

Passages cut from inside a table start below its header, often far below: a sheet of a thousand rows is 35,000
characters. The header is the first row of the run of table lines the window starts in (below its title rows:
`qa.ingest.tabletext.header_row_before`); the lines before the window are searched for it, more each time the
table runs on past them. A window deep in a long table takes the header a window above it found
(`ChunkStore.table_runs`) and reads only the rows between the two.
"""

from __future__ import annotations

from dataclasses import replace

from ..index.store import ChunkStore
from ..index.tableruns import TableRun
from ..ingest.tabletext import TITLE_LOOKAHEAD, cells, header_row_before

# characters before a window searched for the header row of a table it starts inside, first; four times as many
# again while the table runs on past them, up to MAX_HEADER_REACH (a sheet of a thousand rows is 35,000 characters)
HEADER_REACH = 4000
MAX_HEADER_REACH = 4_096_000


def table_header_before(store: ChunkStore, doc: str, start: int, text: str) -> str | None:
    """The header row of the table `text` (document `doc` from offset `start`) starts inside, or None when its first
    line is no table row or the table starts with it."""
    found = table_before(store, doc, start, text)
    return found[0] if found else None


def table_before(store: ChunkStore, doc: str, start: int, text: str) -> tuple[str, int] | None:
    """The header row of the table `text` (document `doc` from offset `start`) starts inside and the document offset
    where that row (the table) starts; None when its first line is no table row or the table starts with it. A
    window deep in a long table takes the header found for one above it (`store.table_runs`)."""
    if start <= 0 or cells(text.split("\n", 1)[0]) is None:
        return None
    known = _known_run(store, doc, start)
    if known is not None:
        return known.header, known.start
    reach = HEADER_REACH
    while True:
        begin, preceding = _whole_lines_before(store, doc, start, reach)
        found = header_row_before(preceding)
        if found is None or found[1] > 0 or begin == 0:
            # kept only TITLE_LOOKAHEAD rows or more below the table's first row: from there on the header found
            # (below the title rows looked for in that many) no longer depends on where a window starts
            if found and preceding.count("\n", found[1]) >= TITLE_LOOKAHEAD:
                store.table_runs.note(doc, TableRun(begin + found[1], found[0], start, start))
            return (found[0], begin + found[1]) if found else None
        if reach >= MAX_HEADER_REACH:  # the table runs on past all the text searched: its header is not known
            return None
        reach *= 4


def _known_run(store: ChunkStore, doc: str, start: int) -> TableRun | None:
    """The known long table `start` lies inside: between window starts found inside it, or after the last one
    with only table rows between the two."""
    run = store.table_runs.nearest(doc, start)
    if run is None or start < run.since:
        return None
    if start <= run.through:  # a start inside a row (not after a line break) is inside no table, as searched
        return run if store.text_slice(doc, start - 1, start) == "\n" else None
    gap = store.text_slice(doc, run.through, start)
    if not gap.endswith("\n") or not _all_rows(gap):
        return None
    run = replace(run, through=start)
    store.table_runs.note(doc, run)
    return run


def _whole_lines_before(store: ChunkStore, doc: str, start: int, reach: int) -> tuple[int, str]:
    """The document text of up to `reach` characters before `start`, from the start of a line, and where it begins."""
    begin = max(0, start - reach)
    preceding = store.text_slice(doc, begin, start)
    if begin > 0:
        cut = preceding.find("\n") + 1
        begin, preceding = begin + cut, preceding[cut:]
    return begin, preceding


def _all_rows(text: str) -> bool:
    """Whether every line of `text` (whole lines, each ending in a line break) is a table row."""
    return all(cells(line) is not None for line in text.split("\n")[:-1])
