"""Every Athena SQL file parses in the Athena dialect and defines the view its path names."""
from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from saleslens.views import LAYERS, ViewDefinitionError, load_views

VIEWS = load_views()


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_view_parses_as_athena(view):
    tree = sqlglot.parse_one(view.sql, read="athena")
    assert isinstance(tree, exp.Create)
    assert tree.this.name == view.name


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_view_reads_only_from_its_own_or_lower_layers(view):
    layer_of = {v.name: LAYERS.index(v.layer) for v in VIEWS}
    tree = sqlglot.parse_one(view.sql, read="athena")
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        name = table.name
        if name in ctes or name == view.name:
            continue
        if name in layer_of:
            assert layer_of[name] <= LAYERS.index(view.layer), f"{view.name} reads {name} from a higher layer"


def test_views_come_in_layer_order():
    layers = [LAYERS.index(v.layer) for v in VIEWS]
    assert layers == sorted(layers)
    assert {v.layer for v in VIEWS} == set(LAYERS)


def test_a_file_whose_view_name_differs_from_its_path_is_refused(tmp_path):
    (tmp_path / "staging").mkdir()
    (tmp_path / "intermediate").mkdir()
    (tmp_path / "marts").mkdir()
    (tmp_path / "staging" / "stg_a__b.sql").write_text("CREATE OR REPLACE VIEW stg_other AS SELECT 1")
    with pytest.raises(ViewDefinitionError, match="stg_a__b"):
        load_views(tmp_path)


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.name)
def test_no_view_reads_a_with_query_twice(view):
    # Athena inlines WITH queries and views alike; DuckDB (offline, benchmarks) computes a WITH
    # query read twice once for every as-of date before any filter. A relation read twice is a
    # view of its own, which both engines inline with the caller's filters.
    tree = sqlglot.parse_one(view.sql, read="athena")
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    reads = [t.name for t in tree.find_all(exp.Table) if t.name in ctes]
    assert sorted(n for n in set(reads) if reads.count(n) > 1) == []
