"""The header row of a long table a window starts deep inside: found as a full search finds it, reading only the
rows below what an earlier window found."""

from __future__ import annotations

from qa.index.tableruns import TableRuns
from qa.search.tableheads import table_before


def long_tables_sheet() -> dict[str, str]:
    """A document holding two long tables with prose between them: 300 shipments, then 200 stations."""
    shipments = ["| order | city | units |", "|---|---|---|"] + [
        f"| {1000 + i} | Graz | {i % 90} |" for i in range(300)
    ]
    stations = ["| station | height |", "|---|---|"] + [f"| S{i} | {200 + i} m |" for i in range(200)]
    tables = "\n".join(shipments) + "\n\nThe stations follow.\n\n# Stations\n\n" + "\n".join(stations)
    return {"sheet.md": f"# Shipments\n\n{tables}\n"}


class CountingReads:
    """A store whose `text_slice` counts the characters read (the store itself answers)."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store, self.read = store, 0
        self.table_runs = store.table_runs

    def text_slice(self, doc: str, start: int, end: int) -> str:
        self.read += max(0, end - start)
        return self.store.text_slice(doc, start, end)


def test_windows_deep_in_long_tables_find_the_header_they_found_before(hash_engine) -> None:  # type: ignore[no-untyped-def]
    store = hash_engine(long_tables_sheet()).index.chunks
    text = store.text_slice("sheet.md", 0, store.text_length("sheet.md") or 0)
    inside_a_row = text.index("| 1250 |") + len("| 1250 ")  # its text "| Graz | 50 |" looks like a row
    starts = sorted({p.start for p in store} | {inside_a_row})
    fresh = []
    for start in starts:  # each found with nothing known of the tables
        store.table_runs = TableRuns()
        fresh.append(table_before(store, "sheet.md", start, text[start : start + 60]))
    store.table_runs = TableRuns()
    for order in (starts, starts[::-1], starts[::2] + starts[1::2]):  # and found with what earlier windows found
        found = [table_before(store, "sheet.md", start, text[start : start + 60]) for start in order]
        assert found == [fresh[starts.index(start)] for start in order]
    headers = {found[0] for found in fresh if found}
    assert headers == {"| order | city | units |", "| station | height |"}


def test_a_window_below_one_read_before_reads_only_the_rows_between(hash_engine) -> None:  # type: ignore[no-untyped-def]
    store = CountingReads(hash_engine(long_tables_sheet()).index.chunks)
    full = store.store.text_slice("sheet.md", 0, 100_000)
    table = ("| order | city | units |", full.index("| order"))
    upper, middle, lower = (full.index(f"| {order} |") for order in (1200, 1240, 1280))
    assert table_before(store, "sheet.md", upper, full[upper : upper + 40]) == table
    assert store.read >= upper - table[1]  # the rows above it, read once
    store.read = 0
    assert table_before(store, "sheet.md", lower, full[lower : lower + 40]) == table
    assert store.read == lower - upper  # the 80 rows between, and no more
    store.read = 0
    assert table_before(store, "sheet.md", middle, full[middle : middle + 40]) == table
    assert store.read == 1  # inside what is known: one character, to see that it starts a line
