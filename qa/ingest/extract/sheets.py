"""A spreadsheet's sheets as text, whichever file they come from (`.xlsx`, `.ods`): one `# Sheet name` section per
sheet holding its filled rows as one `| a | b |` table whose first row is its header, a lone cell above the
table (a sheet title) as a paragraph before it, columns empty on every row left out. The readers count the
filled cells against MAX_CELLS while they read, so a sheet of a million rows cannot swamp the index."""

from __future__ import annotations

from .blocks import Writer

MAX_CELLS = 200_000  # filled cells in all sheets together: far more than a table a question can be answered from


class CellBudget:
    """The filled cells a workbook may still hold; `spend` raises ValueError naming the sheet past the limit."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_CELLS if limit is None else limit
        self.left = self.limit

    def spend(self, filled: int, sheet: str) -> None:
        self.left -= filled
        if self.left < 0:
            raise ValueError(
                f"the workbook has more than {self.limit:,} filled cells (limit reached in sheet "
                f"'{sheet[:60]}'); split it or export the part that matters"
            )


def filled(cells: list[str]) -> int:
    return sum(1 for c in cells if c)


def write_sheet(out: Writer, name: str, rows: list[list[str]]) -> None:
    """Write one sheet's filled rows (text cells) under its name; an empty sheet is no section."""
    rows = used_columns(rows)
    if not rows:
        return
    out.heading(name, 1)
    if len(rows) > 1 and filled(rows[0]) == 1 and filled(rows[1]) > 1:
        out.paragraph(next(c for c in rows[0] if c))  # a title line above the table
        rows = rows[1:]
    out.end_run()
    for cells in rows:
        out.row(cells)
    out.end_run()


def used_columns(rows: list[list[str]]) -> list[list[str]]:
    """The rows without the columns that are empty in every row, and without trailing empty cells."""
    width = max((len(r) for r in rows), default=0)
    used = [i for i in range(width) if any(i < len(r) and r[i] for r in rows)]
    kept = [[r[i] if i < len(r) else "" for i in used] for r in rows]
    for cells in kept:
        while cells and not cells[-1]:
            cells.pop()
    return kept
