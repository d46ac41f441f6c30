"""The Athena views in athena_sql/, in the order they must be created.

Layers follow dbt's naming: staging (stg_) -> intermediate (int_) -> marts (mart_); one view per
file, the file name is the view name. Within a layer a view comes after the views it reads.
What a view reads is found by name (catalog tables and views have distinctive names), so this
module needs no SQL parser: it runs in the Lambda bundles, which carry none.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Set

from saleslens.config import PROJECT_ROOT

LAYERS = ("staging", "intermediate", "marts")
_PREFIX = {"staging": "stg_", "intermediate": "int_", "marts": "mart_"}
_CREATE = re.compile(r"CREATE\s+OR\s+REPLACE\s+VIEW\s+([a-z0-9_]+)\s+AS", re.IGNORECASE)
_IDENT = re.compile(r"\b[a-z][a-z0-9_]*\b")
_COMMENT = re.compile(r"--[^\n]*")


class ViewDefinitionError(ValueError):
    """A SQL file does not define exactly the view its path names, or views read each other in a cycle."""


@dataclass(frozen=True)
class View:
    name: str
    layer: str
    path: Path
    sql: str

    def identifiers(self) -> FrozenSet[str]:
        """Every lower-case identifier of the SQL outside comments (table and view names among them)."""
        return frozenset(_IDENT.findall(_COMMENT.sub("", self.sql))) - {self.name}


def sql_root() -> Path:
    # In a Lambda package athena_sql/ sits beside saleslens/; in the repo, at the root.
    here = Path(__file__).resolve().parent.parent / "athena_sql"
    return here if here.is_dir() else PROJECT_ROOT / "athena_sql"


def _in_dependency_order(views: List[View]) -> List[View]:
    names = {v.name for v in views}
    reads = {v.name: v.identifiers() & names for v in views}
    done: Set[str] = set()
    ordered: List[View] = []
    pending = list(views)
    while pending:
        ready = [v for v in pending if reads[v.name] <= done]
        if not ready:
            raise ViewDefinitionError("views read each other in a cycle: " + ", ".join(v.name for v in pending))
        for v in ready:
            ordered.append(v)
            done.add(v.name)
        pending = [v for v in pending if v.name not in done]
    return ordered


def load_views(root: Optional[Path] = None) -> List[View]:
    """Every view, staging first, then intermediate, then marts; within a layer, after what it reads."""
    root = root or sql_root()
    views: List[View] = []
    for layer in LAYERS:
        in_layer = []
        for path in sorted((root / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            m = _CREATE.search(sql)
            if not m or m.group(1) != path.stem:
                raise ViewDefinitionError(f"{path}: must contain CREATE OR REPLACE VIEW {path.stem} AS ...")
            if not path.stem.startswith(_PREFIX[layer]):
                raise ViewDefinitionError(f"{path}: views in {layer}/ are named {_PREFIX[layer]}*")
            in_layer.append(View(path.stem, layer, path, sql.strip().rstrip(";")))
        views += _in_dependency_order(in_layer)
    return views


_OUTER_SELECT = re.compile(r"^SELECT\b(.*?)^FROM\b", re.MULTILINE | re.DOTALL)
_ALIAS = re.compile(r"\bAS\s+([a-z_][a-z0-9_]*)\s*$", re.IGNORECASE)
_COLUMN = re.compile(r"(?:^|\.)([a-z_][a-z0-9_]*)\s*$")


def output_columns(view: View) -> List[str]:
    """The columns a view returns, in order: the select list of its outermost SELECT (the one
    starting a line, as every view here is written), each item's alias or bare column name."""
    selects = _OUTER_SELECT.findall(_COMMENT.sub("", view.sql))
    if not selects:
        raise ViewDefinitionError(f"{view.path}: no SELECT ... FROM starting a line")
    items, depth, current = [], 0, ""
    for ch in selects[-1]:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    columns = []
    for item in (i.strip() for i in items):
        if item == "*":
            raise ViewDefinitionError(f"{view.path}: selects *, so its columns cannot be listed from its SQL")
        m = _ALIAS.search(item) or _COLUMN.search(item)
        if not m:
            raise ViewDefinitionError(f"{view.path}: cannot name the select item {item!r} (give it an alias)")
        columns.append(m.group(1))
    return columns


def dependent_marts(table: str, views: Optional[List[View]] = None) -> List[str]:
    """Marts that read ``table`` (a clean or curated table), directly, through the curated tables
    it feeds, or through other views: what a late file makes stale."""
    from saleslens.curate.tables import tables_built_from

    views = views if views is not None else load_views()
    reads: Dict[str, FrozenSet[str]] = {v.name: v.identifiers() for v in views}
    frontier = {table} | {t.name for t in tables_built_from(table)}
    stale: Set[str] = set()
    while frontier:
        frontier = {name for name, sources in reads.items() if sources & frontier} - stale
        stale |= frontier
    return sorted(n for n in stale if n.startswith(_PREFIX["marts"]))


def views_hash(views: List[View]) -> str:
    h = hashlib.sha256()
    for v in views:
        h.update(v.name.encode())
        h.update(v.sql.encode())
    return h.hexdigest()


def apply_views(run_query: Callable[[str], None], views: Optional[List[View]] = None) -> List[str]:
    """Create or replace every view in dependency order; returns the view names."""
    views = views if views is not None else load_views()
    for view in views:
        run_query(view.sql)
    return [v.name for v in views]
