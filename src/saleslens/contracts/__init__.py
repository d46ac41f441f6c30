"""Dataset contracts: each source dataset declared once.

``DATASETS`` maps table name to contract, masters first and every dataset after the ones its
foreign keys name (a safe load order), each fact's monthly backfill extract right after it;
``dataset_for_key`` identifies the dataset of a landing-zone object key, ``parse_landing_key``
also holds it to the landing rules (the dataset's file pattern and a file-name date equal to dt=).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Dict, Optional, Tuple

from saleslens.contracts import clm, crm, erp, evt, hr, lms, mdm, stk
from saleslens.contracts.model import BACKFILL_SUFFIX, Column, Dataset, ForeignKey, backfill_of
from saleslens.errors import LandingKeyError, UnknownDatasetError  # noqa: F401  (public names of this module)

_MASTERS = (
    hr.TERRITORIES, hr.HOLIDAYS, hr.EMPLOYEES, hr.POSITIONS, hr.ASSIGNMENTS,
    erp.PRODUCTS, hr.POSITION_DIVISIONS, erp.CUSTOMERS, crm.HCPS, crm.ACCOUNTS, lms.COURSES, mdm.DEVICES,
)
_FACTS = (
    erp.PRIMARY_INVOICES, erp.CREDIT_NOTES, erp.TARGETS, stk.STATEMENTS,
    crm.CALL_PLANS, crm.CALL_REPORTS, crm.DAY_ACTIVITIES, clm.SLIDE_VIEWS, evt.ATTENDANCE,
    lms.ASSIGNMENTS, lms.COMPLETIONS, lms.ASSESSMENTS,
    erp.INSTITUTION_TARGETS, crm.OPPORTUNITIES, crm.OPPORTUNITY_EVENTS,
    erp.RECEIVABLES,
)


def _with_backfills(facts: Tuple[Dataset, ...]) -> Tuple[Dataset, ...]:
    out = []
    for d in facts:
        out.append(d)
        if d.backfill_file_pattern is not None:
            out.append(backfill_of(d))
    return tuple(out)


DATASETS: Dict[str, Dataset] = {d.table: d for d in _MASTERS + _with_backfills(_FACTS)}


def rows_of(table: str) -> str:
    """The table whose rows a dataset carries: a backfill extract's parent, else itself."""
    return DATASETS[table].backfills or table


def sources_of(table: str) -> Tuple[str, ...]:
    """Every clean table carrying rows of ``table``: itself, then its backfill extract if declared."""
    return tuple(t for t, d in DATASETS.items() if t == table or d.backfills == table)

# landing/<source>/<dataset>/dt=YYYY-MM-DD/<file>
_LANDING_KEY = re.compile(r"^(?P<source>[a-z]+)/(?P<name>[a-z_]+)/dt=(?P<dt>\d{4}-\d{2}-\d{2})/(?P<file>[^/]+)$")


def dataset_for_key(key: str) -> Tuple[Dataset, date]:
    """Return the contract and partition date of a landing-zone key, or raise UnknownDatasetError."""
    m = _LANDING_KEY.match(key)
    if not m:
        raise UnknownDatasetError(
            f"object key {key!r} does not match <source>/<dataset>/dt=YYYY-MM-DD/<file>"
        )
    table = f"{m['source']}_{m['name']}"
    if table not in DATASETS:
        raise UnknownDatasetError(f"object key {key!r}: no contract for dataset {table!r}")
    try:
        dt = date.fromisoformat(m["dt"])
    except ValueError as exc:
        raise UnknownDatasetError(f"object key {key!r}: invalid partition date {m['dt']!r}") from exc
    return DATASETS[table], dt


@dataclass(frozen=True)
class LandingKey:
    """A landing-zone key that follows the landing rules."""

    dataset: Dataset
    partition_date: date
    file_name: str
    part: Optional[int]  # a split extract's part number; None for an unnumbered file


def parse_landing_key(key: str) -> LandingKey:
    """The dataset, partition and file of a landing key that follows the landing rules.

    The file name must follow the dataset's ``file_pattern`` (a backfill dataset's is its parent's
    ``backfill_file_pattern``), optionally with a part suffix (``model.PART_SUFFIX``: ``_part2``,
    ``_2``, ``_002``), and the date it names must be the key's ``dt=`` (for a monthly extract, the
    first of that month). Raises UnknownDatasetError for a key that names no dataset and partition,
    LandingKeyError for one that breaks a rule.
    """
    dataset, dt = dataset_for_key(key)
    file_name = key.rsplit("/", 1)[1]
    try:
        named = dataset.parse_file_name(file_name)
    except ValueError as exc:
        raise LandingKeyError(f"object key {key!r}: file name {file_name!r} {exc}") from None
    if named is None:
        raise LandingKeyError(
            f"object key {key!r}: file name {file_name!r} does not follow {dataset.table}'s pattern "
            f"{dataset.file_name_shape()} (a split extract may add _part<N> or _<N> before the extension, "
            f"N from 1 to 999)"
        )
    if named.date != dt:
        raise LandingKeyError(
            f"object key {key!r}: file name {file_name!r} names {named.named()} but the key's partition is "
            f"dt={dt.isoformat()}; land it under dt={named.date.isoformat()} or correct its name"
        )
    return LandingKey(dataset=dataset, partition_date=dt, file_name=file_name, part=named.part)


def landing_key(dataset: Dataset, dt: date) -> str:
    return f"{dataset.landing_prefix()}dt={dt.isoformat()}/{dataset.file_pattern.format(dt=dt, source=dataset.source, name=dataset.name)}"


__all__ = [
    "BACKFILL_SUFFIX", "Column", "Dataset", "ForeignKey", "DATASETS", "LandingKey", "LandingKeyError",
    "UnknownDatasetError", "dataset_for_key", "landing_key", "parse_landing_key", "rows_of", "sources_of",
]
