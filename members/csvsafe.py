"""CSV that is safe to open in a spreadsheet, and reads back to what was written.

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR would run as a formula in Excel or
LibreOffice; every export prefixes such a cell with ``'``, and the importer removes that
prefix again, so an export imports back unchanged.
"""

import csv
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore_cell(text: str) -> str:
    """Undo ``safe_cell`` for a cell read back from our own export."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


class SafeWriter:
    """``csv.writer`` whose text cells are neutralised; numbers pass through untouched."""

    def __init__(self, out: IO[str], **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row) -> None:
        self._writer.writerow(
            [cell if isinstance(cell, int | float) else safe_cell(cell) for cell in row]
        )

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)
