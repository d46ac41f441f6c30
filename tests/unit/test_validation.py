"""Contract execution: each rule, each file-level error, line numbers, dedupe, fast = slow path.

Every expected value below is written by hand from the inline input.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from saleslens.contracts import DATASETS
from saleslens.contracts import validation as v
from saleslens.contracts.model import Column, Dataset
from saleslens.contracts.validation import (
    ConformResult,
    EmptyFileError,
    EncodingError,
    MalformedFileError,
    SchemaDriftError,
    check_header,
    conform_bytes,
)

INVOICES = DATASETS["erp_primary_invoices"]
POSITIONS = DATASETS["hr_positions"]
ASSIGNMENTS = DATASETS["hr_assignments"]
CUSTOMERS = DATASETS["erp_customers"]

INV_HEADER = "invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount"
GOOD_1 = "INV202401050001,1,2024-01-05,STK00001,SKU00001,10,1,12.50,0.00"
GOOD_2 = "INV202401050001,2,2024-01-05,STK00001,SKU00002,3,0,0.29,1.05"

# Every type and rule kind in one small contract.
EVERYTHING = Dataset(
    source="test",
    name="everything",
    description="test contract",
    columns=(
        Column("id", "int64", min=1),
        Column("code", "string", pattern=r"C\d{3}"),
        Column("kind", "string", allowed=("A", "B")),
        Column("flag", "boolean"),
        Column("ratio", "float64", min=0, max=1, nullable=True),
        Column("amount", "decimal(18,2)", nullable=True),
        Column("day", "date", nullable=True),
        Column("at", "timestamp", nullable=True),
    ),
    key=("id",),
)
EV_HEADER = "id,code,kind,flag,ratio,amount,day,at"

JSONL = Dataset(
    source="test",
    name="events",
    description="jsonl test contract",
    columns=(Column("event_id", "string", pattern=r"EV\d{2}"), Column("qty", "int64", min=0)),
    key=("event_id",),
    file_format="jsonl",
)


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\n".join((header,) + rows) + "\n").encode("utf-8")


def rejects(result: ConformResult) -> list:
    return list(zip(result.rejects["source_line"].to_pylist(), result.rejects["rule"].to_pylist(),
                    result.rejects["reason"].to_pylist()))


# -- clean rows and types ------------------------------------------------------------------------
def test_clean_rows_get_contract_types_and_values():
    result = conform_bytes(INVOICES, csv_bytes(INV_HEADER, GOOD_1, GOOD_2))
    assert (result.rows_in, result.rows_clean, result.rows_quarantined, result.rows_deduplicated) == (2, 2, 0, 0)
    assert result.clean.schema.types == [
        pa.string(), pa.int64(), pa.date32(), pa.string(), pa.string(),
        pa.int64(), pa.int64(), pa.decimal128(12, 2), pa.decimal128(12, 2),
    ]
    assert result.clean.to_pylist()[1] == {
        "invoice_no": "INV202401050001", "line_no": 2, "invoice_date": dt.date(2024, 1, 5),
        "stockist_code": "STK00001", "sku": "SKU00002", "billed_qty": 3, "free_qty": 0,
        "price_to_stockist": Decimal("0.29"), "trade_discount": Decimal("1.05"),
    }
    assert result.rejects.num_rows == 0
    assert result.rejects.column_names == ["source_line"] + list(INVOICES.column_names) + ["rule", "reason"]


def test_every_type_parses_and_nullable_empties_become_null():
    data = csv_bytes(
        EV_HEADER,
        "1,C001,A,true,0.25,1234567890123456.78,2024-02-29,2024-01-05 10:30:00",
        "2,C002,B,0,,,,",
        "3,C003,A,FALSE,1e-1,.5,2000-02-29,2024-01-05T23:59:59.123",
    )
    result = conform_bytes(EVERYTHING, data)
    assert result.rows_clean == 3
    assert result.clean.to_pylist() == [
        {"id": 1, "code": "C001", "kind": "A", "flag": True, "ratio": 0.25,
         "amount": Decimal("1234567890123456.78"), "day": dt.date(2024, 2, 29),
         "at": dt.datetime(2024, 1, 5, 10, 30)},
        {"id": 2, "code": "C002", "kind": "B", "flag": False, "ratio": None,
         "amount": None, "day": None, "at": None},
        {"id": 3, "code": "C003", "kind": "A", "flag": False, "ratio": 0.1,
         "amount": Decimal("0.50"), "day": dt.date(2000, 2, 29),
         "at": dt.datetime(2024, 1, 5, 23, 59, 59, 123000)},
    ]


MONEY = Dataset(source="test", name="money", description="", key=("id",),
                columns=(Column("id", "int64"), Column("amount", "decimal(15,2)")))


def test_decimals_up_to_15_digits_are_exact_through_the_fast_route():
    # decimal(p <= 15) is parsed through float64; these values are classic float traps.
    values = ["0.29", "0.07", "4.35", "1.1", "9999999999999.99", "-1234567890123.45", "-0.00", "1.005"]
    rows = [f"{i},{a}" for i, a in enumerate(values, 1)]
    result = conform_bytes(MONEY, csv_bytes("id,amount", *rows))
    assert result.clean["amount"].to_pylist() == [
        Decimal("0.29"), Decimal("0.07"), Decimal("4.35"), Decimal("1.10"), Decimal("9999999999999.99"),
        Decimal("-1234567890123.45"), Decimal("0.00"),
    ]
    assert rejects(result) == [(9, "type:amount", "amount = '1.005' is not a decimal "
                                "number with at most 13 digits before the point and 2 after")]


# -- one rule at a time --------------------------------------------------------------------------
INVOICE_CASES = [
    # (row, rule, reason)
    ("INV202401050001,3,2024-01-05,STK00001,,1,0,1.00,0.00", "not_null:sku", "sku is empty but a value is required"),
    ("INV202401050001,3,05/01/2024,STK00001,SKU00001,1,0,1.00,0.00", "type:invoice_date",
     "invoice_date = '05/01/2024' is not a calendar date written YYYY-MM-DD"),
    ("INV202401050001,3,2023-02-29,STK00001,SKU00001,1,0,1.00,0.00", "type:invoice_date",
     "invoice_date = '2023-02-29' is not a calendar date written YYYY-MM-DD"),
    ("INV202401050001,3,2024-01-05,STK00001,SKU00001,5.5,0,1.00,0.00", "type:billed_qty",
     "billed_qty = '5.5' is not a whole number (digits, optional leading minus, at most 18 digits)"),
    ("INV202401050001,3,2024-01-05,STK00001,SKU00001,1,0,12.345,0.00", "type:price_to_stockist",
     "price_to_stockist = '12.345' is not a decimal number with at most 10 digits before the point and 2 after"),
    ("INV202401050001,3,2024-01-05,STK00001,SKU00001,-5,0,1.00,0.00", "range:billed_qty",
     "billed_qty = '-5' is below the minimum 0"),
    ("INV202401050001,1000,2024-01-05,STK00001,SKU00001,1,0,1.00,0.00", "range:line_no",
     "line_no = '1000' is above the maximum 999"),
    ("INV202401050001,3,2024-01-05,STK00001,SKU00001,1,0,0.00,0.00", "range:price_to_stockist",
     "price_to_stockist = '0.00' is below the minimum 0.01"),
    ("INV202401050001,3,2024-01-05,STK00001,SKU-12,1,0,1.00,0.00", "pattern:sku",
     "sku = 'SKU-12' does not match the pattern SKU\\d{5}"),
    ("INV2024,3,2024-01-05,STK00001,SKU00001,1,0,1.00,0.00", "pattern:invoice_no",
     "invoice_no = 'INV2024' does not match the pattern INV\\d{8,12}"),
]


@pytest.mark.parametrize("row,rule,reason", INVOICE_CASES, ids=[c[1] for c in INVOICE_CASES])
def test_invoice_rule(row, rule, reason):
    result = conform_bytes(INVOICES, csv_bytes(INV_HEADER, GOOD_1, row, GOOD_2))
    assert rejects(result) == [(3, rule, reason)]
    assert (result.rows_in, result.rows_clean, result.rows_quarantined) == (3, 2, 1)
    assert result.rejects.to_pylist()[0]["sku"] == row.split(",")[4]  # the raw value survives


def test_allowed_values():
    data = csv_bytes("position_id,role,parent_position_id,territory_code,position_name",
                     "P00001,CMO,,,Chief Marketing Officer", "P00002,MGR,P00001,,Someone")
    result = conform_bytes(POSITIONS, data)
    assert rejects(result) == [(3, "allowed:role", "role = 'MGR' is not one of: SR, ASM, RSM, ZSM, NH, BUH, CMO")]
    assert result.clean.to_pylist() == [{"position_id": "P00001", "role": "CMO", "parent_position_id": None,
                                         "territory_code": None, "position_name": "Chief Marketing Officer"}]


@pytest.mark.parametrize("row,rule,reason", [
    ("0,C001,A,true,,,,", "range:id", "id = '0' is below the minimum 1"),
    ("1,C01,A,true,,,,", "pattern:code", "code = 'C01' does not match the pattern C\\d{3}"),
    ("1,C001,Z,true,,,,", "allowed:kind", "kind = 'Z' is not one of: A, B"),
    ("1,C001,A,yes,,,,", "type:flag", "flag = 'yes' is not a boolean (true/false/1/0)"),
    ("1,C001,A,1,abc,,,", "type:ratio", "ratio = 'abc' is not a finite number"),
    ("1,C001,A,1,1e999,,,", "type:ratio", "ratio = '1e999' is not a finite number"),
    ("1,C001,A,1,1.5,,,", "range:ratio", "ratio = '1.5' is above the maximum 1"),
    ("1,C001,A,1,,1.234,,", "type:amount",
     "amount = '1.234' is not a decimal number with at most 16 digits before the point and 2 after"),
    ("1,C001,A,1,,,2024-13-01,", "type:day", "day = '2024-13-01' is not a calendar date written YYYY-MM-DD"),
    ("1,C001,A,1,,,,2024-02-30 10:00:00", "type:at",
     "at = '2024-02-30 10:00:00' is not a timestamp written YYYY-MM-DD HH:MM:SS[.fff]"),
    ("1,C001,A,1,,,,2024-01-05 24:00:00", "type:at",
     "at = '2024-01-05 24:00:00' is not a timestamp written YYYY-MM-DD HH:MM:SS[.fff]"),
    (",C001,A,1,,,,", "not_null:id", "id is empty but a value is required"),
])
def test_every_type_rule(row, rule, reason):
    assert rejects(conform_bytes(EVERYTHING, csv_bytes(EV_HEADER, row))) == [(2, rule, reason)]


def test_first_failing_rule_wins_in_contract_column_order():
    # sku (5th column) comes before billed_qty (6th): the pattern reason is reported, once.
    two_faults = "INV202401050001,3,2024-01-05,STK00001,SKU-12,-5,0,1.00,0.00"
    # not_null comes before everything else in the same column and before later columns.
    empty_date = "INV202401050001,4,,STK00001,SKU-12,-5,0,1.00,0.00"
    result = conform_bytes(INVOICES, csv_bytes(INV_HEADER, two_faults, empty_date))
    assert rejects(result) == [
        (2, "pattern:sku", "sku = 'SKU-12' does not match the pattern SKU\\d{5}"),
        (3, "not_null:invoice_date", "invoice_date is empty but a value is required"),
    ]
    assert result.rows_quarantined == 2


def test_personal_data_is_withheld_from_reasons_but_kept_raw():
    data = csv_bytes("employee_id,employee_name,email,position_id,valid_from,valid_to",
                     "E000001,Asha Rao,asha.rao.1.field.example.com,P00001,2023-01-05,")
    result = conform_bytes(ASSIGNMENTS, data)
    assert rejects(result) == [(2, "pattern:email", "email does not match the pattern [^@\\s]+@[^@\\s]+\\.[^@\\s]+ "
                                "(value withheld: personal data)")]
    assert result.rejects["email"].to_pylist() == ["asha.rao.1.field.example.com"]


# -- fast path and slow path give the same answer ------------------------------------------------
@pytest.mark.parametrize("value,valid", [
    ("007", True), ("-5", True), ("123456789012345678", True), ("-0", True),
    ("+5", False), ("0x10", False), ("1e3", False), (" 5", False), ("5 ", False),
    ("\u0661\u0662", False), ("1234567890123456789", False), ("--5", False), ("-", False),
])
@pytest.mark.parametrize("padding", [0, 4, 40])
def test_int_rule_same_on_fast_and_slow_path(value, valid, padding):
    # padding plain-digit rows: 0 = one value alone (whole-column path), 4 = regex over all,
    # 40 = regex only on the few non-digit rows, scattered back.
    rows = [f"{value},C001,A,1,,,,"] + [f"{100 + i},C001,A,1,,,," for i in range(padding)]
    result = conform_bytes(EVERYTHING, csv_bytes(EV_HEADER, *rows))
    first_rule = dict((line, rule) for line, rule, _ in rejects(result)).get(2)
    if valid:
        assert first_rule in (None, "range:id")  # "-5", "-0", "007"(=7 ok) pass the type rule
    else:
        assert first_rule == "type:id"


@pytest.mark.parametrize("value,valid", [
    ("2024-02-29", True), ("9999-12-31", True), ("0001-01-01", True), ("2023-02-29", False),
    ("0000-01-01", False), ("2024-1-05", False), ("2024-04-31", False), ("2024-01-05 ", False),
    ("20240105", False), ("+2024-01-05", False),
])
@pytest.mark.parametrize("with_other_bad_row", [False, True])
def test_date_rule_same_on_fast_and_slow_path(value, valid, with_other_bad_row):
    rows = [f"1,C001,A,1,,,{value},"]
    if with_other_bad_row:  # an unparseable date elsewhere forces the regex + calendar path
        rows.append("2,C002,A,1,,,not-a-date,")
    result = conform_bytes(EVERYTHING, csv_bytes(EV_HEADER, *rows))
    lines = {line: rule for line, rule, _ in rejects(result)}
    assert (2 not in lines) is valid
    if not valid:
        assert lines[2] == "type:day"


# -- malformed rows, blank lines, quoting, line numbers ------------------------------------------
def test_malformed_rows_are_quarantined_with_their_line():
    data = csv_bytes(
        INV_HEADER,
        GOOD_1,                                                          # line 2
        "INV202401050001,2,2024-01-05,STK00001,SKU00002,3,0,0.29",       # line 3: 8 fields
        "",                                                              # line 4: blank, not a row
        "INV202401050001,3,2024-01-05,STK00001,SKU00003,3,0,1,234.50,0.00",  # line 5: 10 fields
        ",,,,,,,,",                                                      # line 6: no data, not a row
        "INV202401050001,4,2024-01-05,STK00001,SKU00004,-1,0,1.00,0.00",  # line 7: range
    )
    result = conform_bytes(INVOICES, data)
    assert rejects(result) == [
        (3, "malformed_row", "row has 8 fields but the header has 9: "
                             "'INV202401050001,2,2024-01-05,STK00001,SKU00002,3,0,0.29'"),
        (5, "malformed_row", "row has 10 fields but the header has 9: "
                             "'INV202401050001,3,2024-01-05,STK00001,SKU00003,3,0,1,234.50,0.00'"),
        (7, "range:billed_qty", "billed_qty = '-1' is below the minimum 0"),
    ]
    assert result.rejects.to_pylist()[0]["invoice_no"] is None  # fields of a malformed row are unknown
    assert (result.rows_in, result.rows_clean, result.rows_quarantined, result.rows_deduplicated) == (4, 1, 3, 0)


def test_quoted_fields_with_commas_and_line_breaks_keep_line_numbers():
    data = csv_bytes(
        "stockist_code,stockist_name,territory_code,city,country",
        'STK00001,"Shah & Sons, Medical Agencies",T0001,Pune,IN',   # line 2
        'STK00002,"Two-line\nname",T0001,Pune,IN',                 # lines 3-4
        "STK00003,Short,T0001,Pune",                               # line 5: 4 fields
        "STK00004,Bad Country,T0002,Colombo,SL",                   # line 6
    )
    result = conform_bytes(CUSTOMERS, data)
    assert result.clean["stockist_name"].to_pylist() == ["Shah & Sons, Medical Agencies", "Two-line\nname"]
    assert [(line, rule) for line, rule, _ in rejects(result)] == [(5, "malformed_row"), (6, "allowed:country")]


def test_crlf_and_byte_order_mark():
    data = b"\xef\xbb\xbf" + csv_bytes(INV_HEADER, GOOD_1, "x").replace(b"\n", b"\r\n")
    result = conform_bytes(INVOICES, data)
    assert result.rows_clean == 1
    assert rejects(result) == [(3, "malformed_row", "row has 1 fields but the header has 9: 'x'")]


def test_columns_in_another_order_are_read_by_name():
    header = "line_no,invoice_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount"
    result = conform_bytes(INVOICES, csv_bytes(header, "7,INV202401050001,2024-01-05,STK00001,SKU00001,1,0,1.00,0.00"))
    assert result.clean.column_names == list(INVOICES.column_names)
    assert result.clean.to_pylist()[0]["line_no"] == 7


def test_line_numbers_exact_when_read_in_parallel_pieces(monkeypatch):
    monkeypatch.setattr(v.parallel, "_workers", lambda size: 4)  # force 4 pieces and threaded checks
    monkeypatch.setattr(v.parallel, "_PARALLEL_ROWS", 1)
    rows = [f"INV{i:012d},1,2024-01-05,STK00001,SKU00001,1,0,1.00,0.00" for i in range(1, 2001)]
    bad = {137: "short,row", 1000: "INV000000001000,1,2024-01-05", 1001: "also,short", 1999: "x"}
    for i, text in bad.items():
        rows[i] = text  # rows[i] sits on line i + 2
    rows[1500] = rows[1500].replace("SKU00001", "SKU1")
    rows[1800] = rows[10]  # a repeat of line 12, on line 1802
    result = conform_bytes(INVOICES, csv_bytes(INV_HEADER, *rows))
    assert [(line, rule) for line, rule, _ in rejects(result)] == [
        (139, "malformed_row"), (1002, "malformed_row"), (1003, "malformed_row"),
        (1502, "pattern:sku"), (2001, "malformed_row"),
    ]
    assert (result.rows_in, result.rows_clean, result.rows_quarantined, result.rows_deduplicated) == (2000, 1994, 5, 1)
    assert "INV000000001801" not in result.clean["invoice_no"].to_pylist()


# -- duplicates ----------------------------------------------------------------------------------
def test_duplicate_keys_keep_the_first_valid_row():
    same_key_other_qty = GOOD_1.replace(",10,1,", ",99,1,")
    bad_same_key = GOOD_2.replace("SKU00002", "SKU2")  # invalid rows never count as duplicates
    result = conform_bytes(INVOICES, csv_bytes(INV_HEADER, bad_same_key, GOOD_1, GOOD_2, same_key_other_qty, GOOD_1))
    assert (result.rows_in, result.rows_clean, result.rows_quarantined, result.rows_deduplicated) == (5, 2, 1, 2)
    assert result.clean["line_no"].to_pylist() == [1, 2]
    assert result.clean["billed_qty"].to_pylist() == [10, 3]  # the first occurrence, not the 99
    assert [line for line, _, _ in rejects(result)] == [2]


def test_typed_keys_dedupe_by_value():
    # "01" and "1" are the same line number once typed.
    result = conform_bytes(INVOICES, csv_bytes(INV_HEADER, GOOD_1, GOOD_1.replace(",1,2024", ",01,2024")))
    assert (result.rows_clean, result.rows_deduplicated) == (1, 1)


# -- whole-file errors ---------------------------------------------------------------------------
def test_header_only_file_is_valid_with_zero_rows():
    for data in (INV_HEADER.encode(), (INV_HEADER + "\n").encode(), (INV_HEADER + "\r\n").encode()):
        result = conform_bytes(INVOICES, data)
        assert (result.rows_in, result.rows_clean, result.rows_quarantined) == (0, 0, 0)
        assert result.clean.schema.field("price_to_stockist").type == pa.decimal128(12, 2)


def test_empty_file_raises():
    with pytest.raises(EmptyFileError, match="0 bytes"):
        conform_bytes(INVOICES, b"")


def test_not_utf8_raises_with_byte_offset():
    data = csv_bytes(INV_HEADER, GOOD_1).replace(b"STK00001", b"STK\xe900001")  # latin-1 e-acute
    offset = len(INV_HEADER) + 1 + len("INV202401050001,1,2024-01-05,STK")
    with pytest.raises(EncodingError, match=f"byte 0xe9 at byte offset {offset} \\(line 2\\)") as err:
        conform_bytes(INVOICES, data)
    assert err.value.offset == offset == 135  # header 102 + newline + 32


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # pyarrow's callback
def test_not_utf8_inside_a_malformed_row_is_still_an_encoding_error():
    data = csv_bytes(INV_HEADER, GOOD_1) + b"short,\xff\n"
    with pytest.raises(EncodingError, match="byte offset 172 \\(line 3\\)"):  # 103 + 63 + 6
        conform_bytes(INVOICES, data)


def test_schema_drift_names_missing_and_unexpected_columns():
    header = "invoice_no,line_no,invoice_dt,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount,tax"
    with pytest.raises(SchemaDriftError) as err:
        conform_bytes(INVOICES, csv_bytes(header, GOOD_1 + ",1"))
    assert err.value.missing == ["invoice_date"]
    assert err.value.unexpected == ["invoice_dt", "tax"]
    assert "missing invoice_date; unexpected 'invoice_dt', 'tax'" in str(err.value)


def test_schema_drift_repeated_column():
    with pytest.raises(SchemaDriftError, match="repeated sku"):
        conform_bytes(INVOICES, csv_bytes(INV_HEADER + ",sku", GOOD_1 + ",SKU00001"))


def test_unclosed_quote_is_a_malformed_file():
    # The open quote swallows the next line; counting it as one bad row would lose a row.
    with pytest.raises(MalformedFileError, match="row starting on line 3 runs over 2 lines"):
        conform_bytes(CUSTOMERS, csv_bytes("stockist_code,stockist_name,territory_code,city,country",
                                           "STK00001,Fine,T0001,Pune,IN",
                                           'STK00002,"never closed,T0001,Pune,IN',
                                           "STK00003,Fine,T0001,Pune,IN"))


def test_reserved_column_names_are_refused():
    ds = Dataset(source="t", name="bad", description="", columns=(Column("rule", "string"),), key=("rule",))
    with pytest.raises(ValueError, match="reserved"):
        conform_bytes(ds, b"rule\nx\n")


def test_result_refuses_broken_accounting():
    empty = v.clean_schema(INVOICES).empty_table()
    with pytest.raises(AssertionError, match="row accounting"):
        ConformResult(clean=empty, rejects=v.rejects_schema(INVOICES).empty_table(),
                      rows_in=1, rows_clean=0, rows_quarantined=0, rows_deduplicated=0)


# -- check_header (the Lambda's first 64 KiB) ----------------------------------------------------
def test_check_header_accepts_a_prefix_cut_mid_character():
    data = csv_bytes(INV_HEADER, GOOD_1) + "STK caf\u00e9".encode("utf-8")
    check_header(INVOICES, data[:-1])  # the last character's second byte is cut off: fine
    check_header(INVOICES, INV_HEADER.encode())  # header without a newline


def test_check_header_raises_the_file_level_errors():
    with pytest.raises(EmptyFileError):
        check_header(INVOICES, b"")
    with pytest.raises(EncodingError, match="byte offset 3"):
        check_header(INVOICES, b"inv\xffoice_no\n")
    with pytest.raises(SchemaDriftError, match="missing trade_discount"):
        check_header(INVOICES, INV_HEADER.rsplit(",", 1)[0].encode() + b"\nINV1,1")


def test_check_header_jsonl():
    check_header(JSONL, b'{"event_id": "EV01", "qty": 1}\n{"event_id": "EV0')
    check_header(JSONL, b'{"event_id": "EV0')  # no complete line yet: nothing to judge
    with pytest.raises(SchemaDriftError, match="missing qty; unexpected 'quantity'"):
        check_header(JSONL, b'{"event_id": "EV01", "quantity": 1}\n')


# -- JSON lines ----------------------------------------------------------------------------------
def test_jsonl_all_strings_vectorised_path():
    data = b'{"event_id": "EV01", "qty": "3"}\n{"event_id": "EV02", "qty": "-1"}\n{"event_id": "EV01", "qty": "4"}\n'
    result = conform_bytes(JSONL, data)
    assert result.clean.to_pylist() == [{"event_id": "EV01", "qty": 3}]
    assert rejects(result) == [(2, "range:qty", "qty = '-1' is below the minimum 0")]
    assert result.rows_deduplicated == 1


def test_jsonl_numbers_blank_and_broken_lines():
    data = (b'{"event_id": "EV01", "qty": 3}\n'
            b'\n'
            b'{"event_id": "EV02", "qty": 2.5}\n'
            b'{"event_id": "EV03", "qty": 1, "note": "x"}\n'
            b'{"event_id": "EV04", "qty": \n'
            b'[1, 2]\n'
            b'{"event_id": "EV05"}\n')
    result = conform_bytes(JSONL, data)
    assert result.clean.to_pylist() == [{"event_id": "EV01", "qty": 3}]
    assert [(line, rule) for line, rule, _ in rejects(result)] == [
        (3, "type:qty"), (4, "malformed_row"), (5, "malformed_row"), (6, "malformed_row"), (7, "not_null:qty"),
    ]
    reasons = result.rejects["reason"].to_pylist()
    assert reasons[1] == "object has fields not in the contract: note: '{\"event_id\": \"EV03\", \"qty\": 1, \"note\": \"x\"}'"
    assert reasons[3] == "line is a JSON list, not an object: '[1, 2]'"
    assert result.rows_in == 6


def test_jsonl_drift_and_empty():
    with pytest.raises(SchemaDriftError):
        conform_bytes(JSONL, b'{"id": "EV01", "qty": 3}\n')
    with pytest.raises(EmptyFileError):
        conform_bytes(JSONL, b"")


def test_last_line_without_newline_and_trailing_blank_lines():
    assert conform_bytes(INVOICES, (INV_HEADER + "\n" + GOOD_1).encode()).rows_clean == 1
    result = conform_bytes(INVOICES, (INV_HEADER + "\r\n" + GOOD_1 + "\r\n\r\n\r\n").encode())
    assert (result.rows_in, result.rows_clean) == (1, 1)


def test_many_rejects_and_duplicates():
    # More than a thousand dropped rows takes the filter path rather than slicing around them.
    rows = []
    for i in range(1, 3001):
        sku = "SKU00001" if i % 3 == 0 else "BAD"  # 2000 bad rows, 1000 good
        rows.append(f"INV{i:012d},1,2024-01-05,STK00001,{sku},1,0,1.00,0.00")
    rows += [rows[2]] * 1100  # line 4 repeated 1100 times
    result = conform_bytes(INVOICES, csv_bytes(INV_HEADER, *rows))
    assert (result.rows_in, result.rows_clean, result.rows_quarantined, result.rows_deduplicated) == (4100, 1000, 2000, 1100)
    assert result.rejects["source_line"].to_pylist()[:3] == [2, 3, 5]
    assert result.clean["invoice_no"].to_pylist()[:2] == ["INV000000000003", "INV000000000006"]


# -- foreign keys (references) -------------------------------------------------------------------
def test_foreign_keys_checked_against_the_references_given():
    refs = {"erp_products.sku": ["SKU00001"], "erp_customers.stockist_code": pa.array(["STK00001"])}
    bad_sku = "INV202401050002,1,2024-01-05,STK00001,SKU00099,1,0,1.00,0.00"
    bad_both = "INV202401050003,1,2024-01-05,STK00002,SKU00099,1,0,1.00,0.00"
    bad_shape = "INV202401050004,1,2024-01-05,STK00001,SKU-9,1,0,1.00,0.00"
    result = conform_bytes(INVOICES, csv_bytes(INV_HEADER, GOOD_1, bad_sku, bad_both, bad_shape), references=refs)
    assert rejects(result) == [
        (3, "foreign_key:sku", "sku = 'SKU00099' is not in erp_products.sku"),
        # the first failing rule in column order: stockist_code comes before sku
        (4, "foreign_key:stockist_code", "stockist_code = 'STK00002' is not in erp_customers.stockist_code"),
        # a value of the wrong shape breaks its pattern first
        (5, "pattern:sku", "sku = 'SKU-9' does not match the pattern SKU\\d{5}"),
    ]
    assert result.rows_clean == 1
    # References not given: foreign keys not checked.
    assert conform_bytes(INVOICES, csv_bytes(INV_HEADER, bad_sku)).rows_clean == 1
    assert conform_bytes(INVOICES, csv_bytes(INV_HEADER, bad_sku), references={"erp_products.sku": ["SKU00099"]}).rows_clean == 1


def test_foreign_key_on_a_nullable_column_skips_empty_values():
    refs = {"hr_positions.position_id": ["P00001"]}
    data = csv_bytes("position_id,role,parent_position_id,territory_code,position_name",
                     "P00001,CMO,,,Chief", "P00002,BUH,P00001,,BU", "P00003,BUH,P00009,,BU")
    result = conform_bytes(POSITIONS, data, references=refs)
    assert rejects(result) == [(4, "foreign_key:parent_position_id",
                                "parent_position_id = 'P00009' is not in hr_positions.position_id")]


# -- JSON lines with typed values ----------------------------------------------------------------
TYPED = Dataset(
    source="test",
    name="typed",
    description="jsonl with an int and a boolean",
    columns=(Column("id", "string", pattern=r"X\d"), Column("qty", "int64", min=0),
             Column("flag", "boolean"), Column("note", "string", nullable=True)),
    key=("id",),
    file_format="jsonl",
)


def test_jsonl_with_json_integers_and_booleans_reads_like_strings():
    typed = b'{"id":"X1","qty":3,"flag":true,"note":null}\n{"id":"X2","qty":-1,"flag":false,"note":"n"}\n'
    strings = b'{"id":"X1","qty":"3","flag":"true","note":""}\n{"id":"X2","qty":"-1","flag":"false","note":"n"}\n'
    a, b = conform_bytes(TYPED, typed), conform_bytes(TYPED, strings)
    assert a.clean.to_pylist() == b.clean.to_pylist() == [{"id": "X1", "qty": 3, "flag": True, "note": None}]
    assert rejects(a) == rejects(b) == [(2, "range:qty", "qty = '-1' is below the minimum 0")]


def test_jsonl_typed_path_falls_back_line_by_line_on_other_numbers():
    data = b'{"id":"X1","qty":3,"flag":true,"note":null}\n{"id":"X2","qty":2.0,"flag":1,"note":null}\n'
    result = conform_bytes(TYPED, data)
    assert rejects(result) == [(2, "type:qty", "qty = '2.0' is not a whole number (digits, optional leading minus, at most 18 digits)")]


def test_jsonl_objects_may_leave_out_nullable_fields():
    check_header(TYPED, b'{"id":"X1","qty":3,"flag":true}\n')  # note is nullable
    result = conform_bytes(TYPED, b'{"id":"X1","qty":3,"flag":true}\n{"id":"X2","qty":1,"flag":false,"note":"n"}\n')
    assert result.clean.to_pylist() == [{"id": "X1", "qty": 3, "flag": True, "note": None},
                                        {"id": "X2", "qty": 1, "flag": False, "note": "n"}]
    with pytest.raises(SchemaDriftError, match="missing flag"):
        check_header(TYPED, b'{"id":"X1","qty":3}\n')


# -- line endings --------------------------------------------------------------------------------
def test_cr_only_line_endings_are_a_malformed_file_with_a_reason_to_act_on():
    data = csv_bytes(INV_HEADER, GOOD_1, GOOD_2).replace(b"\n", b"\r")
    for check in (lambda: conform_bytes(INVOICES, data), lambda: check_header(INVOICES, data)):
        with pytest.raises(MalformedFileError, match=r"^erp_primary_invoices: line endings are CR only \(as old Mac "
                                                     r"exports write them\); re-export the file with LF or CRLF"):
            check()


def test_a_bare_cr_among_lf_lines_is_refused_with_its_line():
    data = csv_bytes(INV_HEADER, GOOD_1, GOOD_2 + "\r" + GOOD_1.replace(",1,2024", ",3,2024"))
    with pytest.raises(MalformedFileError, match="line 3 ends in a bare CR .* mixes line endings"):
        conform_bytes(INVOICES, data)


def test_a_cr_inside_a_quoted_field_is_data_and_a_prefix_may_end_between_cr_and_lf():
    data = csv_bytes("stockist_code,stockist_name,territory_code,city,country",
                     'STK00001,"Old\rMac name",T0001,Pune,IN', "STK00002,Plain,T0001,Pune,IN").replace(b"\n", b"\r\n")
    result = conform_bytes(CUSTOMERS, data)
    assert result.clean["stockist_name"].to_pylist() == ["Old\rMac name", "Plain"]
    check_header(INVOICES, csv_bytes(INV_HEADER, GOOD_1).replace(b"\n", b"\r\n")[:len(INV_HEADER) + 1])


def test_cr_only_json_lines_are_refused():
    with pytest.raises(MalformedFileError, match="CR only"):
        conform_bytes(JSONL, b'{"event_id": "EV01", "qty": 1}\r{"event_id": "EV02", "qty": 2}\r')


def test_a_header_the_csv_module_cannot_read_is_a_malformed_file():
    with pytest.raises(MalformedFileError, match=r"the header line cannot be read as CSV \(field larger than field limit"):
        conform_bytes(INVOICES, ('"' + "x" * 200_000 + '"\n').encode())


# -- error texts never carry personal data --------------------------------------------------------
EMPLOYEES = DATASETS["hr_employees"]
EMPLOYEE_ROW = "E000123,Asha Verma,asha.verma@example.com,+919812345678,IN,2019-06-01,,"
EMPLOYEE_CELLS = ("E000123", "Asha", "Verma", "asha.verma", "example.com", "9812345678", "2019-06-01")


def test_a_headerless_personal_data_file_is_drift_without_its_first_row():
    for check in (lambda d: conform_bytes(EMPLOYEES, d), lambda d: check_header(EMPLOYEES, d)):
        with pytest.raises(SchemaDriftError) as err:
            check(csv_bytes(EMPLOYEE_ROW, EMPLOYEE_ROW))
        text = str(err.value)
        assert not [cell for cell in EMPLOYEE_CELLS if cell in text], text
        assert text == (
            "hr_employees: file columns do not match the contract: missing employee_id, employee_name, email, "
            "mobile, country, date_of_joining, date_of_leaving, leaving_reason; 8 unexpected (not shown: the "
            "dataset holds personal data); 1 repeated (not shown) (expected employee_id, employee_name, email, "
            "mobile, country, date_of_joining, date_of_leaving, leaving_reason)")


def test_drift_names_tokens_only_when_they_look_like_column_names():
    header = INV_HEADER + ",tax,Asha Verma,asha@example.com"
    with pytest.raises(SchemaDriftError) as err:
        check_header(INVOICES, csv_bytes(header, GOOD_1 + ",1,x,y"))
    assert "unexpected 'tax' and 2 more (not shown: they do not look like column names)" in str(err.value)
    assert "Asha" not in str(err.value) and "example.com" not in str(err.value)
    assert err.value.unexpected == ["tax", "Asha Verma", "asha@example.com"]  # for code, never printed


def test_json_fields_outside_the_contract_are_counted_not_named_for_personal_data():
    people = Dataset(source="t", name="people", description="", file_format="jsonl", key=("id",),
                     columns=(Column("id", "string"), Column("email", "string", pii=True)))
    data = b'{"id": "1", "email": "a@b.co"}\n{"id": "2", "email": "c@d.co", "asha@example.com": 1}\n'
    result = conform_bytes(people, data)
    assert rejects(result) == [(2, "malformed_row", "object has 1 field(s) not in the contract (not shown: the dataset "
                                                    "holds personal data)")]
    shown = conform_bytes(JSONL, b'{"event_id": "EV01", "qty": 1}\n{"event_id": "EV02", "qty": 1, "note": "x"}\n')
    assert rejects(shown)[0][2].startswith("object has fields not in the contract: note: ")


def test_arrow_errors_on_personal_data_are_withheld(monkeypatch):
    monkeypatch.setattr(v.readers, "_BLOCK_BYTES", 4096)  # a record longer than a block cannot be read
    long_name = EMPLOYEE_ROW.replace("Asha Verma", '"' + "Asha Verma " * 2000 + '"')
    header = ",".join(EMPLOYEES.column_names)
    with pytest.raises(MalformedFileError) as err:
        conform_bytes(EMPLOYEES, csv_bytes(header, long_name))
    assert "details withheld: the dataset holds personal data" in str(err.value) and "Asha" not in str(err.value)


# -- quoted fields spanning lines ----------------------------------------------------------------
def test_quoted_line_breaks_survive_arrows_block_boundaries(monkeypatch):
    monkeypatch.setattr(v.readers, "_BLOCK_BYTES", 4096)  # many blocks; a break inside a field lands on their edges
    rows = [f'STK{i:05d},"Name {i}\nsecond line, with comma",T0001,Pune,IN' for i in range(400)]
    result = conform_bytes(CUSTOMERS, csv_bytes("stockist_code,stockist_name,territory_code,city,country", *rows))
    assert (result.rows_in, result.rows_clean) == (400, 400)
    assert result.clean["stockist_name"].to_pylist()[399] == "Name 399\nsecond line, with comma"


def test_a_well_quoted_multi_line_row_with_the_wrong_field_count_is_one_malformed_row():
    data = csv_bytes(
        "stockist_code,stockist_name,territory_code,city,country",
        'STK00001,"Two\nlines",T0001,Pune',     # lines 2-3: 4 fields
        "STK00002,Fine,T0001,Pune,IN",            # line 4
        'STK00003,"Three\nlines\nhere",T0001,Pune,IN,extra',  # lines 5-7: 6 fields
        "STK00004,Fine,T0001,Colombo,SL",         # line 8
    )
    result = conform_bytes(CUSTOMERS, data)
    assert [(line, rule) for line, rule, _ in rejects(result)] == [(2, "malformed_row"), (5, "malformed_row"),
                                                                   (8, "allowed:country")]
    assert (result.rows_in, result.rows_clean, result.rows_quarantined) == (4, 1, 3)
    assert rejects(result)[0][2] == "row has 4 fields but the header has 5: 'STK00001,\"Two\\nlines\",T0001,Pune'"


def test_a_nul_in_a_quoted_multi_line_row_is_one_malformed_row_on_every_python():
    # Python 3.9's csv module refuses NUL; the record structure does not depend on it.
    header = b"invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
    good = b"INV100000000,1,2000-01-01,STK00000,SKU00000,1,0,0.01,0.00\n"
    bad = b'INV100000001,1,2000-01-01,STK00000,SKU00000,1,0,0.01,0.00,\x00,"\n"\n'
    result = conform_bytes(DATASETS["erp_primary_invoices"], header + good + bad)
    assert (result.rows_clean, result.rows_quarantined) == (1, 1)
    assert result.rejects["rule"].to_pylist() == ["malformed_row"]
