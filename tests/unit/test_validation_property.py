"""Property: whatever a source sends, validation never crashes and accounts for every row.

Inputs are built from the invoice contract and corrupted at random: wrong field counts, junk
values with quotes, commas and line breaks (written quoted, as RFC 4180 does), blank lines,
repeated rows, LF or CRLF line ends, read in one piece or split for threads and in small Arrow
blocks; and for JSON lines. A well-quoted CSV file is never refused as a whole: every data
record is a row, counted, and each record of the wrong shape is quarantined on the line it
starts on. JSON lines end in a ConformResult covering every line, or a file-level rejection.
"""
from __future__ import annotations

import json
from dataclasses import replace
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleslens.contracts import DATASETS
from saleslens.contracts import validation as v
from saleslens.contracts.validation import MALFORMED_ROW, FileRejectedError, conform_bytes

INVOICES = DATASETS["erp_primary_invoices"]
INVOICES_JSONL = replace(INVOICES, file_format="jsonl")
COLUMNS = list(INVOICES.column_names)

# Any text, and text made of the characters that CSV must quote, so they turn up often.
junk = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.lists(st.sampled_from([",", '"', '""', "\n", "\r\n", "\r", " ", "a", "x,y", "1"]), max_size=5).map("".join),
)
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


def _quoted(field: str) -> str:
    return '"' + field.replace('"', '""') + '"'


@st.composite
def csv_record(draw):
    """(fields, the record as written): fields of a kind, each quoted when it must be or at random."""
    values = draw(valid_values)
    kind = draw(st.sampled_from(["valid", "junk_value", "short", "long", "blank"]))
    fields = [values[c] for c in COLUMNS]
    if kind == "junk_value":
        fields[draw(st.integers(0, len(fields) - 1))] = draw(junk)
    elif kind == "short":
        fields = fields[: draw(st.integers(1, len(fields) - 1))]
    elif kind == "long":
        fields += draw(st.lists(junk, min_size=1, max_size=3))
    elif kind == "blank":  # bare commas (or nothing): never quoted
        fields = [""] * draw(st.integers(1, len(fields)))
        return fields, ",".join(fields)
    written = [
        _quoted(f) if any(c in f for c in ',"\r\n') or (f and draw(st.booleans())) else f
        for f in fields
    ]
    return fields, ",".join(written)


def _no_data(fields, written):
    """Not a row: an empty line, or exactly the header's number of empty fields."""
    return written == "" or (len(fields) == len(COLUMNS) and not any(fields))


@settings(max_examples=1000, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(csv_record(), max_size=25), repeat=st.booleans(), crlf=st.booleans(),
       pieces=st.sampled_from([1, 3]), small_blocks=st.booleans())
def test_csv_never_crashes_and_every_record_is_accounted_for(records, repeat, crlf, pieces, small_blocks):
    if repeat and records:
        records = records + records[:3]
    newline = "\r\n" if crlf else "\n"
    data = (newline.join([",".join(COLUMNS)] + [w for _, w in records]) + newline).encode("utf-8")

    with mock.patch.object(v.parallel, "_workers", lambda size: pieces), \
            mock.patch.object(v.readers, "_BLOCK_BYTES", 1024 if small_blocks else v.readers._BLOCK_BYTES):
        result = conform_bytes(INVOICES, data)  # well-quoted: never a file-level rejection

    starts, line = [], 2  # the physical line each record starts on
    for _, written in records:
        starts.append(line)
        line += 1 + written.count("\n")
    data_records = [(s, f) for s, (f, w) in zip(starts, records) if not _no_data(f, w)]
    assert result.rows_in == len(data_records)
    assert result.rows_in == result.rows_clean + result.rows_quarantined + result.rows_deduplicated
    assert result.clean.num_rows == result.rows_clean and result.rejects.num_rows == result.rows_quarantined
    rejected = list(zip(result.rejects.column("source_line").to_pylist(), result.rejects.column("rule").to_pylist()))
    assert {s for s, _ in rejected} <= {s for s, _ in data_records}
    assert sorted(s for s, rule in rejected if rule == MALFORMED_ROW) == sorted(
        s for s, f in data_records if len(f) != len(COLUMNS))


@st.composite
def json_line(draw):
    values = draw(valid_values)
    kind = draw(st.sampled_from(["valid", "junk_value", "missing_key", "number", "broken", "not_object"]))
    if kind == "junk_value":
        values[draw(st.sampled_from(COLUMNS))] = draw(junk)  # quotes and line breaks arrive escaped
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
