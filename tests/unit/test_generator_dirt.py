"""dirt="full": every defect in the manifest is in the files, and the contracts reject each one
with the rule and reason written here by hand (or, for file-level defects, the file error)."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date, timedelta

import pytest

from saleslens.contracts import dataset_for_key
from saleslens.contracts.validation import (
    EncodingError,
    SchemaDriftError,
    check_header,
    conform_bytes,
)
from saleslens.generate import Dirt, generate
from tests.unit.test_generator import master_references

START = date(2024, 4, 1)
ROW_DEFECTS = {"malformed_row", "bad_date", "bad_sku", "unknown_sku", "unknown_territory", "negative_qty",
               "duplicate_row"}
FILE_DEFECTS = {"duplicate_file", "late_file", "schema_drift", "truncated_file", "wrong_encoding"}


def expected_rule(defect: str, column):
    """The validator's rule for each row defect (written from validation's rule names)."""
    return {
        "malformed_row": "malformed_row",
        "bad_date": f"type:{column}",
        "bad_sku": "pattern:sku",
        "unknown_sku": "foreign_key:sku",
        "unknown_territory": "foreign_key:territory_code",
        "negative_qty": f"range:{column}",
    }[defect]


@pytest.fixture(scope="module")
def full():
    return generate("tiny", start=START, days=3, seed=7, dirt="full")


@pytest.fixture(scope="module")
def refs():
    # The masters and keys of a clean run of the same world: what the pipeline's masters hold.
    return master_references(generate("tiny", start=START, days=3, seed=7, dirt=False))


def test_every_defect_type_is_planted(full):
    kinds = Counter(d.defect for d in full.manifest)
    assert set(kinds) == ROW_DEFECTS | FILE_DEFECTS
    assert kinds["schema_drift"] == 2  # one renamed column, one extra column
    assert all(d.line == 0 for d in full.manifest if d.defect in FILE_DEFECTS)
    assert all(d.line >= 1 for d in full.manifest if d.defect in ROW_DEFECTS)


def _text(data: bytes) -> str:
    return data.decode("utf-8")


def test_every_defect_in_the_manifest_is_in_the_files(full, refs):
    for d in full.manifest:
        data = full.files[d.key]
        dataset, dt = dataset_for_key(d.key)
        if d.defect == "wrong_encoding":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            continue
        if d.defect == "duplicate_file":
            original = re.search(r"same bytes as (\S+)$", d.detail).group(1)
            assert data == full.files[original] and d.key == original.replace(".csv", "_2.csv")
            continue
        if d.defect == "late_file":
            assert full.arrivals[d.key] == dt + timedelta(days=2)
            keys = list(full.files)
            first_of_arrival = next(k for k in keys if dataset_for_key(k)[1] == full.arrivals[d.key])
            assert keys.index(d.key) > keys.index(first_of_arrival)  # delivered among the later day's files
            continue
        if d.defect == "truncated_file":
            assert not data.endswith(b"\n")
            continue
        lines = _text(data).split("\n")
        if d.defect == "schema_drift":
            if dataset.file_format == "csv":
                names = lines[0].split(",")
            else:
                names = list(json.loads(lines[0]))
            if d.column == "remarks":
                assert "remarks" in names and set(dataset.column_names) <= set(names)
            else:
                assert d.column not in names and len(names) == len(dataset.column_names)
            continue
        text = lines[d.line - 1]
        if d.defect == "duplicate_row":
            assert text in lines[: d.line - 1]
            continue
        if d.defect == "malformed_row":
            if dataset.file_format == "csv":
                assert len(next(csv.reader([text]))) != len(dataset.column_names)
            else:
                with pytest.raises(ValueError):
                    json.loads(text)
            continue
        value = (json.loads(text) if dataset.file_format == "jsonl" else
                 dict(zip(lines[0].split(","), next(csv.reader([text])))))[d.column]
        value = str(value)
        if d.defect == "bad_date":
            assert re.fullmatch(r"\d\d/\d\d/\d{4}( \d\d:\d\d)?", value)
        elif d.defect == "bad_sku":
            assert value.startswith("SKU-")
        elif d.defect == "unknown_sku":
            assert re.fullmatch(r"SKU\d{5}", value) and value not in refs["erp_products.sku"]
        elif d.defect == "unknown_territory":
            assert re.fullmatch(r"T\d{4}", value) and value not in refs["hr_territories.territory_code"]
        else:
            assert d.defect == "negative_qty" and value.startswith("-")


def test_the_contracts_reject_every_defect_and_accept_the_rest(full, refs):
    by_key = {}
    for d in full.manifest:
        by_key.setdefault(d.key, []).append(d)
    for key, data in full.files.items():
        dataset, _ = dataset_for_key(key)
        defects = by_key.get(key, [])
        file_level = {d.defect for d in defects} & {"schema_drift", "wrong_encoding"}
        if "schema_drift" in file_level:
            drift = next(d for d in defects if d.defect == "schema_drift")
            with pytest.raises(SchemaDriftError) as error:
                check_header(dataset, data[:65536])
            named = error.value.unexpected if drift.column == "remarks" else error.value.missing
            assert named == [drift.column]
            continue
        if "wrong_encoding" in file_level:
            with pytest.raises(EncodingError, match="not valid UTF-8"):
                check_header(dataset, data[:65536])
                conform_bytes(dataset, data)
            continue
        check_header(dataset, data[:65536])
        result = conform_bytes(dataset, data, references=refs)
        rows = [d for d in defects if d.defect in ROW_DEFECTS - {"duplicate_row"}]
        got = dict(zip(result.rejects["source_line"].to_pylist(), result.rejects["rule"].to_pylist()))
        assert got == {d.line: expected_rule(d.defect, d.column) for d in rows}, key
        assert result.rows_deduplicated == sum(d.defect == "duplicate_row" for d in defects), key
        assert result.rows_clean == result.rows_in - len(rows) - result.rows_deduplicated > 0


def test_reasons_say_what_is_wrong(full, refs):
    reasons = {}
    for key, data in full.files.items():
        dataset, _ = dataset_for_key(key)
        if any(d.key == key and d.defect in ("schema_drift", "wrong_encoding") for d in full.manifest):
            continue
        result = conform_bytes(dataset, data, references=refs)
        for rule, reason in zip(result.rejects["rule"].to_pylist(), result.rejects["reason"].to_pylist()):
            reasons.setdefault(rule.split(":")[0], reason)
    assert re.fullmatch(r"sku = 'SKU9\d{4}' is not in erp_products\.sku", reasons["foreign_key"]) or re.fullmatch(
        r"territory_code = 'T9\d{3}' is not in hr_territories\.territory_code", reasons["foreign_key"])
    assert re.fullmatch(r"\w+ = '\d\d/\d\d/\d{4}.*' is not a (calendar date written YYYY-MM-DD|timestamp .*)",
                        reasons["type"])
    assert re.fullmatch(r"\w+ = '-\d+' is below the minimum \d+", reasons["range"])
    assert reasons["pattern"].startswith("sku = 'SKU-") and reasons["pattern"].endswith(r"does not match the pattern SKU\d{5}")
    assert re.match(r"(row has \d+ fields but the header has \d+|line is not valid JSON)", reasons["malformed_row"])


def test_without_references_unknown_codes_pass_the_row_rules(full):
    key = next(d.key for d in full.manifest if d.defect == "unknown_sku")
    dataset, _ = dataset_for_key(key)
    rules = set(conform_bytes(dataset, full.files[key]).rejects["rule"].to_pylist())
    assert "foreign_key:sku" not in rules


def test_dirt_options():
    assert Dirt.of(True) == Dirt(invoice_legacy=True)
    assert Dirt.of(False) == Dirt()
    full = Dirt.of("full")
    assert full.row_rate == 0.001 and not full.invoice_legacy and len(full.file_defects) == 6
    with pytest.raises(ValueError, match="unknown dirt"):
        Dirt.of("some")
    with pytest.raises(ValueError, match="unknown defect types"):
        Dirt(row_defects=("typo",))


def test_file_defects_only_where_the_run_allows_them():
    one_day = generate("tiny", start=START, days=1, seed=7, dirt=Dirt(file_defects=("late_file", "duplicate_file")))
    assert [d.defect for d in one_day.manifest] == ["duplicate_file"]  # a late file needs a later day
    rates = generate("tiny", start=START, days=1, seed=7, dirt=Dirt(row_rate=0.05, row_defects=("negative_qty",)))
    invoice = [d for d in rates.manifest if d.key.startswith("erp/primary_invoices/")]
    rows = len(rates.files[invoice[0].key].splitlines()) - 1
    assert len(invoice) == round(0.05 * rows) and {d.defect for d in invoice} == {"negative_qty"}
