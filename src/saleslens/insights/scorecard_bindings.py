"""The check, at config load, that every scorecard measure reads a column that exists: its mart is a
view of athena_sql/marts and its column one that view returns (``saleslens.views.output_columns``,
read from the view's SQL). No pandas here: ``saleslens.config_schema`` imports it."""
from __future__ import annotations

import difflib
from typing import Dict, List, Optional

from saleslens.config import ScorecardConfig
from saleslens.views import ViewDefinitionError, load_views, output_columns


def mart_columns() -> Dict[str, Optional[List[str]]]:
    """{mart view: its columns, or None where its SQL does not list them}."""
    out: Dict[str, Optional[List[str]]] = {}
    for view in load_views():
        if view.layer == "marts":
            try:
                out[view.name] = output_columns(view)
            except ViewDefinitionError:
                out[view.name] = None
    return out


def _close(word: str, choices: List[str]) -> str:
    match = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def binding_problems(card: ScorecardConfig) -> List[str]:
    """One line per measure bound to a mart or column that does not exist."""
    marts = mart_columns()
    problems = []
    for t, theme in enumerate(card.themes):
        for o, objective in enumerate(theme.objectives):
            for m, measure in enumerate(objective.measures):
                where = f"scorecard.themes.{t}.objectives.{o}.measures.{m} ({measure.name})"
                if measure.mart not in marts:
                    problems.append(f"{where}: mart {measure.mart!r} is not a view of athena_sql/marts"
                                    f"{_close(measure.mart, sorted(marts))}")
                    continue
                columns = marts[measure.mart]
                if columns is None:
                    problems.append(f"{where}: the columns of {measure.mart} cannot be read from its SQL "
                                    "(it selects *); bind the measure to another mart")
                elif measure.column not in columns:
                    problems.append(f"{where}: {measure.mart} has no column {measure.column!r}"
                                    f"{_close(measure.column, columns)}")
    return problems
