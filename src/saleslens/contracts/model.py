"""How a dataset contract is declared.

A contract is data: the columns, types, keys, allowed values and ranges of one source dataset,
its file format and where it lands. Everything else (the generator, row validation, the Glue
table and Athena DDL, the CDK resources) is derived from it. Python 3.9-safe.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import List, Optional, Pattern, Tuple

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
    # Another numeric column of the same row this one must stay strictly below (a standard cost
    # below the price it sells for); checked after both columns' own rules, as ``below:<column>``.
    below: Optional[str] = None

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
    # A fact row whose code the master does not list is kept and counted as unmapped, unless the
    # reference is enforced: then it is quarantined like a master's (``foreign_key:<column>``), for
    # facts that mean nothing without the referenced row (a balance owed by no known customer).
    enforced: bool = False

    @property
    def reference(self) -> str:
        """``<table>.<column>`` of the referenced values: the key of ``conform_bytes(references=...)``."""
        return f"{self.dataset}.{self.ref_column}"


@dataclass(frozen=True)
class Dataset:
    source: str  # source system: erp, stk, crm, clm, evt, lms, hr, mdm
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
    # The source sends a file for every calendar day (a header-only one on a day without rows): a
    # distribution for a date does not start until each daily dataset has published that date's
    # partition (saleslens.distribution.readiness).
    daily: bool = False

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
        numeric = {c.name for c in self.columns if c.type in ("int64", "float64") or c.decimal}
        for c in self.columns:
            if c.below is not None and not (c.name in numeric and c.below in numeric and c.below != c.name):
                raise ValueError(f"{self.table}: {c.name!r} below {c.below!r}: both must be other declared numeric columns")
        if undeclared:
            raise ValueError(f"{self.table}: foreign key columns not declared: {undeclared}")
        if self.backfill_file_pattern is not None and self.kind != "fact":
            raise ValueError(f"{self.table}: only fact datasets have backfill extracts")
        for pattern in (self.file_pattern, self.backfill_file_pattern):
            if pattern is not None:
                _file_name_regex(pattern, self.source, self.name)  # refuses a pattern it cannot match

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

    def parse_file_name(self, file_name: str) -> Optional["FileName"]:
        """What a landed file's name says under ``file_pattern``, or None if it does not follow it.

        Raises ValueError when the name has the pattern's shape but its digits name no real day.
        """
        return parse_file_name(self.file_pattern, self.source, self.name, file_name)

    def file_name_shape(self) -> str:
        """``file_pattern`` as a person reads it, e.g. ``ERP_INV_YYYYMMDD.csv``."""
        return file_name_shape(self.file_pattern, self.source, self.name)

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


# -- file names ---------------------------------------------------------------------------------
# A file pattern is the source system's naming: literal text, {source}, {name} and one
# {dt:<format>} whose format uses %Y, %m and %d only (a monthly extract leaves out %d: its date
# is the first of the month). A split extract's numbered parts may carry a part suffix before the
# extension: `_part<N>` or `_<N>`, N of one to three digits and not zero (`_part2`, `_2`, `_002`).
# The unnumbered name is a file of its own (the first part, or the only one). Nothing else: names
# are case-sensitive and the extension is the pattern's.
PART_SUFFIX = r"(?:_part(?P<part>[0-9]{1,3})|_(?P<seq>[0-9]{1,3}))?"
_DATE_DIRECTIVES = {"%Y": ("year", 4, "YYYY"), "%m": ("month", 2, "MM"), "%d": ("day", 2, "DD")}
_PLACEHOLDER = re.compile(r"\{(source|name|dt:[^}]*)\}")


@dataclass(frozen=True)
class FileName:
    """What a landed file's name says: the day it names and its part number."""

    date: date  # the first of the month for a monthly pattern
    monthly: bool  # the pattern names a month, not a day
    part: Optional[int]  # None: the name carries no part suffix

    def named(self) -> str:
        """The date as the name gives it: 2024-04 for a month, 2024-04-01 for a day."""
        return self.date.isoformat()[:7] if self.monthly else self.date.isoformat()


@lru_cache(maxsize=None)
def _file_name_regex(pattern: str, source: str, name: str) -> Tuple[Pattern[str], str, bool]:
    """(full-match regex of the pattern with an optional part suffix, shape for people, monthly)."""
    stem, dot, ext = pattern.rpartition(".")
    if not dot or "{" in ext or not stem:
        raise ValueError(f"file pattern {pattern!r}: expected <name>.<extension> with the placeholders before the dot")
    literals = _PLACEHOLDER.sub("", stem)
    if "{" in literals or "}" in literals:
        raise ValueError(f"file pattern {pattern!r}: unknown placeholder; expected {{source}}, {{name}} and {{dt:...}}")
    regex: List[str] = []
    shape: List[str] = []
    directives: List[str] = []
    end = 0
    for m in _PLACEHOLDER.finditer(stem):
        literal = stem[end : m.start()]
        regex.append(re.escape(literal))
        shape.append(literal)
        field_ = m.group(1)
        if field_ in ("source", "name"):
            value = source if field_ == "source" else name
            regex.append(re.escape(value))
            shape.append(value)
        else:
            fmt = field_[3:]
            for piece in re.split(r"(%.)", fmt):
                if piece in _DATE_DIRECTIVES:
                    group, width, text = _DATE_DIRECTIVES[piece]
                    if group in directives:
                        raise ValueError(f"file pattern {pattern!r}: {piece} given twice")
                    directives.append(group)
                    regex.append(f"(?P<{group}>[0-9]{{{width}}})")
                    shape.append(text)
                elif piece.startswith("%") and len(piece) == 2:
                    raise ValueError(f"file pattern {pattern!r}: only %Y, %m and %d may name the date, not {piece}")
                else:
                    regex.append(re.escape(piece))
                    shape.append(piece)
        end = m.end()
    regex.append(re.escape(stem[end:]))
    shape.append(stem[end:])
    if not {"year", "month"} <= set(directives):
        raise ValueError(f"file pattern {pattern!r}: the date must be {{dt:...}} with %Y, %m and optionally %d")
    compiled = re.compile("".join(regex) + PART_SUFFIX + re.escape("." + ext))
    return compiled, "".join(shape) + "." + ext, "day" not in directives


def parse_file_name(pattern: str, source: str, name: str, file_name: str) -> Optional[FileName]:
    regex, _, monthly = _file_name_regex(pattern, source, name)
    m = regex.fullmatch(file_name)
    if m is None:
        return None
    number = m.group("part") or m.group("seq")
    if number is not None and int(number) == 0:
        return None  # parts count from 1
    try:
        day = date(int(m.group("year")), int(m.group("month")), 1 if monthly else int(m.group("day")))
    except ValueError:
        raise ValueError(f"names no real {'month' if monthly else 'day'}") from None
    return FileName(date=day, monthly=monthly, part=int(number) if number is not None else None)


def file_name_shape(pattern: str, source: str, name: str) -> str:
    return _file_name_regex(pattern, source, name)[1]
