"""The reject table: each quarantined row's raw values, source line, first rule broken and reason."""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from saleslens.contracts.model import Dataset
from saleslens.contracts.validation.arrays import _pick
from saleslens.contracts.validation.checks import _Check
from saleslens.contracts.validation.readers import _Malformed

# Columns a reject row carries besides the raw contract columns.
REJECT_META = ("source_line", "rule", "reason")
MALFORMED_ROW = "malformed_row"


def rejects_schema(dataset: Dataset) -> pa.Schema:
    return pa.schema(
        [pa.field("source_line", pa.int64())]
        + [pa.field(c.name, pa.string()) for c in dataset.columns]
        + [pa.field("rule", pa.string()), pa.field("reason", pa.string())]
    )


def _rejects(
    dataset: Dataset,
    table: pa.Table,
    lines: np.ndarray,
    malformed: List[_Malformed],
    checks: List[_Check],
    bad_idx: np.ndarray,
) -> pa.Table:
    schema = rejects_schema(dataset)
    parts: List[pa.Table] = []
    if len(bad_idx):
        take = pa.array(bad_idx)
        bad_raw = _pick(table, bad_idx)
        rule = pa.nulls(len(bad_idx), pa.string())
        reason = pa.nulls(len(bad_idx), pa.string())
        # Walk the checks from last to first so that the first failing rule wins.
        for check in reversed(checks):
            failed = pc.take(check.failed, take)
            if not pc.any(failed).as_py():
                continue
            column = check.rule.split(":", 1)[1]
            rule = pc.if_else(failed, check.rule, rule)
            reason = pc.if_else(failed, check.reason(bad_raw[column]), reason)
        columns: Dict[str, Any] = {"source_line": pa.array(lines[bad_idx], pa.int64())}
        columns.update({name: bad_raw[name] for name in dataset.column_names})
        columns.update({"rule": rule, "reason": reason})
        parts.append(pa.table(columns, schema=schema))
    if malformed:
        n = len(malformed)
        columns = {"source_line": pa.array([m.line for m in malformed], pa.int64())}
        columns.update({name: pa.nulls(n, pa.string()) for name in dataset.column_names})
        columns.update({
            "rule": pa.array([MALFORMED_ROW] * n, pa.string()),
            "reason": pa.array([m.reason for m in malformed], pa.string()),
        })
        parts.append(pa.table(columns, schema=schema))
    if not parts:
        return schema.empty_table()
    out = pa.concat_tables(parts)
    return out.take(pc.sort_indices(out["source_line"])) if len(parts) > 1 else out
