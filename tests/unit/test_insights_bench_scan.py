"""bench/insights_bench.py's modelled Athena scan (an input of bench/cost_model.py), on sizes written by hand."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("insights_bench", ROOT / "bench" / "insights_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


ib = _load()
VIEWS = {"v_lines": frozenset({"cur_erp__primary_lines", "v_skus", "net_value"}), "v_skus": frozenset({"cur_erp__sku_versions"})}
SIZES = {"cur_erp__primary_lines": {"2024-06-29": 100, "2024-06-30": 300},  # mean of the cached partitions: 200
         "cur_erp__sku_versions": {"2024-06-30": 7}, "cur_ref__calendar": {"2024-06-30": 5}}


def test_the_partitions_a_query_names():
    assert ib.partitions_named("SELECT 1 FROM t WHERE s.dt IN ('2024-06-30', '2024-05-30')") == {"2024-06-30", "2024-05-30"}
    # A BETWEEN names every day of it, ends included: 28 June to 1 July is 4 days.
    assert ib.partitions_named("WHERE dt BETWEEN '2024-06-28' AND '2024-07-01'") == {
        "2024-06-28", "2024-06-29", "2024-06-30", "2024-07-01"}
    assert ib.partitions_named("SELECT max(snapshot_date) FROM t") is None


def test_a_query_scans_its_named_partitions_through_its_views_and_its_dimensions_whole():
    sql = "SELECT sum(net_value) FROM v_lines WHERE dt BETWEEN '2024-06-28' AND '2024-06-30'"
    assert ib.tables_read(sql, VIEWS) == {"cur_erp__primary_lines", "cur_erp__sku_versions"}
    # 28 June is not cached: the mean, (100 + 300) / 2 = 200; 29 June 100; 30 June 300; the SKU
    # dimension whole, 7: 200 + 100 + 300 + 7 = 607.
    assert ib.modelled_bytes(sql, VIEWS, SIZES) == 607
    # No dt predicate: every cached partition, 100 + 300 + 7 = 407.
    assert ib.modelled_bytes("SELECT count(*) FROM v_lines", VIEWS, SIZES) == 407
    # A table the lake does not hold scans nothing here (Athena's 10 MB minimum is the caller's).
    assert ib.modelled_bytes("SELECT * FROM cur_erp__receivables", VIEWS, SIZES) == 0
