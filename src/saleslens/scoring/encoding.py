"""Feature rows -> the float matrix LightGBM reads.

Categorical features become the index of their level in the levels fixed at training (a level
never seen, or a missing value, becomes NaN, which LightGBM sends down its missing-value branch);
numeric features become floats (None -> NaN). Frames are read through their own methods, so this
module imports no pandas and the scoring path can run without it.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Sequence

import numpy as np


def fit_levels(frame: Any, categorical: Sequence[str]) -> Dict[str, List[str]]:
    """The sorted distinct non-null values of each categorical column."""
    return {c: sorted(str(v) for v in frame[c].dropna().unique()) for c in categorical}


def encode_frame(frame: Any, feature_names: Sequence[str], levels: Mapping[str, Sequence[str]]) -> np.ndarray:
    """A (rows x features) float64 matrix, columns in ``feature_names`` order."""
    out = np.empty((len(frame), len(feature_names)), dtype=np.float64)
    for j, name in enumerate(feature_names):
        if name in levels:
            index = {level: float(i) for i, level in enumerate(levels[name])}
            out[:, j] = frame[name].map(index).to_numpy(dtype=float, na_value=math.nan)  # unknown or null -> NaN
        else:
            out[:, j] = frame[name].to_numpy(dtype=float, na_value=math.nan)
    return out


def encode_row(row: Mapping[str, Any], feature_names: Sequence[str], levels: Mapping[str, Sequence[str]]) -> np.ndarray:
    """One feature row (a mapping) as a (1 x features) matrix; same encoding as ``encode_frame``."""
    out = np.empty((1, len(feature_names)), dtype=np.float64)
    for j, name in enumerate(feature_names):
        value = row.get(name)
        if name in levels:
            index = list(levels[name])
            out[0, j] = float(index.index(str(value))) if _present(value) and str(value) in index else math.nan
        else:
            out[0, j] = float(value) if value is not None and _present(value) else math.nan
    return out


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))
