"""How a dataset contract is declared.

A contract is data: the columns, types, keys, allowed values and ranges of one source dataset,
its file format and where it lands. Everything else (the generator, row validation, the Glue
table and Athena DDL, the CDK resources) is derived from it. Python 3.9-safe.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Tuple

# Logical column types and how they map onto Athena. Arrow types live in validation.
_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")
SIMPLE_TYPES = {
    "string": "string",
    "int64": "bigint",
    "float64": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str = ""
    nullable: bool = False
    allowed: Optional[Tuple[str, ...]] = None
    min: Optional[float] = None
    max: Optional[float] = None
    pattern: Optional[str] = None  # full-match regular expression for strings
    pii: bool = False  # masked in logs, never printed

    def __post_init__(self) -> None:
        if self.type not in SIMPLE_TYPES and not _DECIMAL.match(self.type):
            raise ValueError(f"column {self.name!r}: unknown type {self.type!r}")

    @property
    def athena_type(self) -> str:
        return SIMPLE_TYPES.get(self.type, self.type)

    @property
    def decimal(self) -> Optional[Tuple[int, int]]:
        m = _DECIMAL.match(self.type)
        return (int(m.group(1)), int(m.group(2))) if m else None


KINDS = ("master", "fact")


@dataclass(frozen=True)
class ForeignKey:
    column: str
    dataset: str  # table name of the referenced dataset
    ref_column: str

    @property
    def reference(self) -> str:
        """``<table>.<column>`` of the referenced values: the key of ``conform_bytes(references=...)``."""
        return f"{self.dataset}.{self.ref_column}"


@dataclass(frozen=True)
class Dataset:
    source: str  # source system: erp, stk, crm, clm, evt, lms, hr
    name: str  # dataset within the source
    description: str
    columns: Tuple[Column, ...]
    key: Tuple[str, ...]  # business key: one clean row per key and partition
    file_format: str = "csv"  # csv (UTF-8, header row) or jsonl
    file_pattern: str = "{source}_{name}_{dt:%Y%m%d}.csv"  # how the source system names files
    foreign_keys: Tuple[ForeignKey, ...] = field(default_factory=tuple)
    # "master": every file is a full snapshot and the latest partition on or before a date is
    # the truth (customers, products, HR); "fact": every file adds the rows of its partition.
    kind: str = "fact"
    # How the source system names a monthly backfill extract of a fact dataset (history loaded
    # once, a month a file); None: the dataset has no backfill extract. See ``backfill_of``.
    backfill_file_pattern: Optional[str] = None
    # Set on a backfill dataset: the table whose rows it carries (same columns, keys and FKs).
    backfills: Optional[str] = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.table}: duplicate column names")
        missing = set(self.key) - set(names)
        if missing:
            raise ValueError(f"{self.table}: key columns not declared: {sorted(missing)}")
        if self.file_format not in ("csv", "jsonl"):
            raise ValueError(f"{self.table}: unknown file format {self.file_format!r}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.table}: unknown kind {self.kind!r}; expected one of {KINDS}")
        undeclared = [fk.column for fk in self.foreign_keys if fk.column not in names]
        if undeclared:
            raise ValueError(f"{self.table}: foreign key columns not declared: {undeclared}")
        if self.backfill_file_pattern is not None and self.kind != "fact":
            raise ValueError(f"{self.table}: only fact datasets have backfill extracts")

    @property
    def table(self) -> str:
        """Glue/Athena table name of the clean dataset."""
        return f"{self.source}_{self.name}"

    @property
    def column_names(self) -> Tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.table} has no column {name!r}")

    def landing_prefix(self) -> str:
        return f"{self.source}/{self.name}/"

    def clean_prefix(self) -> str:
        return f"{self.source}/{self.name}/"


BACKFILL_SUFFIX = "_backfill"


def backfill_of(dataset: Dataset) -> Dataset:
    """The monthly backfill extract of a fact dataset, declared by its ``backfill_file_pattern``.

    A real customer loads its history once, a month a file, before the daily feeds start: the
    same rows as the daily files of that month, in one file named by the source system's own
    pattern. It is a dataset of its own (``<table>_backfill``: its own landing prefix, clean
    table, file pattern and quality profile), with the parent's columns, keys and foreign keys;
    its partition date is the first day of the month it covers. Curation reads both as one.
    """
    if dataset.backfill_file_pattern is None:
        raise ValueError(f"{dataset.table} declares no backfill extract")
    return Dataset(
        source=dataset.source,
        name=dataset.name + BACKFILL_SUFFIX,
        description=f"Monthly backfill extract of {dataset.table}: {dataset.description}",
        columns=dataset.columns,
        key=dataset.key,
        file_format=dataset.file_format,
        file_pattern=dataset.backfill_file_pattern,
        foreign_keys=dataset.foreign_keys,
        kind="fact",
        backfills=dataset.table,
    )
