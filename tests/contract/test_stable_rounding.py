"""Every figure a mart rounds is first taken to 8 decimal places, so the last bits of a double sum
(which follow the order of a parallel aggregation) never flip a shown figure from run to run."""
from __future__ import annotations

import re

import duckdb
import pytest

from saleslens.offline.duck_athena import transpile
from saleslens.views import load_views

MARTS = [v for v in load_views() if v.layer == "marts"]
_ROUND = re.compile(r"\bround\(", re.IGNORECASE)


def _rounds(sql: str):
    """(argument, digits) of every round(...) call, nested ones included."""
    for m in _ROUND.finditer(sql):
        depth, i, comma = 1, m.end(), None
        while depth:
            c = sql[i]
            depth += {"(": 1, ")": -1}.get(c, 0)
            if c == "," and depth == 1:
                comma = i
            i += 1
        if comma is not None:
            yield sql[m.end():comma].strip(), sql[comma + 1:i - 1].strip()


@pytest.mark.parametrize("view", MARTS, ids=lambda v: v.name)
def test_a_shown_figure_is_rounded_from_its_value_at_8_places(view):
    shown = [(arg, digits) for arg, digits in _rounds(view.sql) if digits != "8"]
    for arg, digits in shown:
        assert re.match(r"round\(", arg, re.IGNORECASE) and re.sub(r"\s+", "", arg).endswith(",8)"), (
            f"{view.name}: round({arg[:60]}..., {digits}) is not round(round(x, 8), {digits})")


def test_the_same_ratio_a_few_ulps_apart_is_one_shown_figure():
    # 5/32 = 15.625 % exactly; a parallel sum gives it a few ulps either side. Rounded once, the
    # two show as 15.62 and 15.63; rounded from 8 places, both 15.63 (half away from zero, as in Athena).
    below, above = 15.624999999999998, 15.625000000000002
    con = duckdb.connect()
    once = con.sql(f"SELECT round(CAST({below} AS DOUBLE), 2), round(CAST({above} AS DOUBLE), 2)").fetchall()[0]
    assert once == (15.62, 15.63)
    sql = f"SELECT round(round(CAST({below} AS DOUBLE), 8), 2) AS a, round(round(CAST({above} AS DOUBLE), 8), 2) AS b"
    assert con.sql(transpile(sql)[0]).fetchall()[0] == (15.63, 15.63)
