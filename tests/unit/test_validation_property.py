"""Property: whatever a source sends, validation never crashes and accounts for every row.

Inputs are built from the invoice contract and corrupted at random: wrong field counts, junk
values, blank lines, repeated rows, for CSV and for JSON lines. The only acceptable outcomes are
a ConformResult whose counts cover exactly the data records sent, or a file-level rejection.
"""
from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleslens.contracts import DATASETS
from saleslens.contracts.validation import FileRejectedError, conform_bytes

INVOICES = DATASETS["erp_primary_invoices"]
INVOICES_JSONL = replace(INVOICES, file_format="jsonl")
COLUMNS = list(INVOICES.column_names)

# Field text without quotes or line breaks, so the number of records is known from the lines.
junk = st.text(alphabet=st.characters(blacklist_characters='"\r\n', blacklist_categories=("Cs",)), max_size=12)
valid_values = st.fixed_dictionaries({
    "invoice_no": st.integers(10**8, 10**12 - 1).map(lambda n: f"INV{n}"),
    "line_no": st.integers(1, 999).map(str),
    "invoice_date": st.dates().map(lambda d: d.isoformat()),
    "stockist_code": st.integers(0, 99999).map(lambda n: f"STK{n:05d}"),
    "sku": st.integers(0, 99999).map(lambda n: f"SKU{n:05d}"),
    "billed_qty": st.integers(0, 10**6).map(str),
    "free_qty": st.integers(0, 10**6).map(str),
    "price_to_stockist": st.decimals("0.01", "999999.99", places=2).map(str),
    "trade_discount": st.decimals("0", "99999.99", places=2).map(str),
})


@st.composite
def csv_record(draw):
    values = draw(valid_values)
    kind = draw(st.sampled_from(["valid", "junk_value", "short", "long", "blank"]))
    fields = [values[c] for c in COLUMNS]
    if kind == "junk_value":
        fields[draw(st.integers(0, len(fields) - 1))] = draw(junk.map(lambda t: t.replace(",", ";")))
    elif kind == "short":
        fields = fields[: draw(st.integers(1, len(fields) - 1))]
    elif kind == "long":
        fields += draw(st.lists(junk.map(lambda t: t.replace(",", ";")), min_size=1, max_size=3))
    elif kind == "blank":
        fields = [""] * draw(st.integers(1, len(fields)))
    return ",".join(fields)


def _data_records(lines):
    """Records the contract counts: every line but empty ones and ones of exactly the header's
    number of empty fields (no data); a line of the wrong shape is a malformed row, counted."""
    def no_data(line):
        fields = line.split(",")
        return line == "" or (len(fields) == len(COLUMNS) and not any(fields))

    return sum(1 for line in lines if not no_data(line))


@settings(max_examples=1000, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(csv_record(), max_size=25), repeat=st.booleans(), crlf=st.booleans())
def test_csv_never_crashes_and_every_record_is_accounted_for(records, repeat, crlf):
    if repeat and records:
        records = records + records[:3]
    newline = "\r\n" if crlf else "\n"
    data = (newline.join([",".join(COLUMNS)] + records) + newline).encode("utf-8")
    try:
        result = conform_bytes(INVOICES, data)
    except FileRejectedError:
        return  # a whole-file rejection is an accounted outcome (the file is quarantined whole)
    assert result.rows_in == _data_records(records)
    assert result.rows_in == result.rows_clean + result.rows_quarantined + result.rows_deduplicated
    assert result.clean.num_rows == result.rows_clean and result.rejects.num_rows == result.rows_quarantined
    assert all(2 <= line <= len(records) + 1 for line in result.rejects.column("source_line").to_pylist())


@st.composite
def json_line(draw):
    values = draw(valid_values)
    kind = draw(st.sampled_from(["valid", "junk_value", "missing_key", "number", "broken", "not_object"]))
    if kind == "junk_value":
        values[draw(st.sampled_from(COLUMNS))] = draw(junk)
    elif kind == "missing_key":
        del values[draw(st.sampled_from(COLUMNS))]
    elif kind == "number":
        values["billed_qty"] = draw(st.integers(-5, 10**6))
    elif kind == "broken":
        return json.dumps(values)[: draw(st.integers(1, 30))]
    elif kind == "not_object":
        return json.dumps(draw(st.lists(st.integers(), max_size=3)))
    return json.dumps(values)


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(json_line(), min_size=1, max_size=20))
def test_json_lines_never_crash_and_every_line_is_accounted_for(lines):
    data = ("\n".join(lines) + "\n").encode("utf-8")
    try:
        result = conform_bytes(INVOICES_JSONL, data)
    except FileRejectedError:
        return
    assert result.rows_in == len(lines)
    assert result.rows_in == result.rows_clean + result.rows_quarantined + result.rows_deduplicated
