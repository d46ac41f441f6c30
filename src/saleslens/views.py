"""The Athena views in athena_sql/, in the order they must be created.

Layers follow dbt's naming: staging (stg_) -> intermediate (int_) -> marts (mart_); one view per
file, the file name is the view name.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Set

from saleslens.config import PROJECT_ROOT

LAYERS = ("staging", "intermediate", "marts")
_PREFIX = {"staging": "stg_", "intermediate": "int_", "marts": "mart_"}
_CREATE = re.compile(r"CREATE\s+OR\s+REPLACE\s+VIEW\s+([a-z0-9_]+)\s+AS", re.IGNORECASE)


class ViewDefinitionError(ValueError):
    """A SQL file does not define exactly the view its path names."""


@dataclass(frozen=True)
class View:
    name: str
    layer: str
    path: Path
    sql: str


def sql_root() -> Path:
    # In a Lambda package athena_sql/ sits beside saleslens/; in the repo, at the root.
    here = Path(__file__).resolve().parent.parent / "athena_sql"
    return here if here.is_dir() else PROJECT_ROOT / "athena_sql"


def load_views(root: Optional[Path] = None) -> List[View]:
    """Every view, staging first, then intermediate, then marts; alphabetical within a layer."""
    root = root or sql_root()
    views: List[View] = []
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            m = _CREATE.search(sql)
            if not m or m.group(1) != path.stem:
                raise ViewDefinitionError(f"{path}: must contain CREATE OR REPLACE VIEW {path.stem} AS ...")
            if not path.stem.startswith(_PREFIX[layer]):
                raise ViewDefinitionError(f"{path}: views in {layer}/ are named {_PREFIX[layer]}*")
            views.append(View(path.stem, layer, path, sql.strip().rstrip(";")))
    return views


def dependent_marts(table: str, views: Optional[List[View]] = None) -> List[str]:
    """Marts that read `table`, directly or through other views (what a late file makes stale)."""
    import sqlglot
    from sqlglot import exp

    views = views if views is not None else load_views()
    reads: Dict[str, Set[str]] = {}
    for v in views:
        tree = sqlglot.parse_one(v.sql, read="athena")
        ctes = {c.alias for c in tree.find_all(exp.CTE)}
        reads[v.name] = {t.name for t in tree.find_all(exp.Table) if t.name not in ctes and t.name != v.name}
    stale: Set[str] = set()
    frontier = {table}
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
