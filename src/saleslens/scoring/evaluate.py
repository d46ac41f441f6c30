"""Evaluation on a holdout: AUC, Brier score, calibration curve, lift by score band, against the baseline.

The baseline is the fallback table (account type x source win rate, smoothed) the artefact carries,
scored on the same rows. ``format_report`` prints the plain table the CLI shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Sequence, Tuple

import numpy as np
from numpy.typing import ArrayLike

from saleslens.scoring.bands import SCORE_LABELS, score_of
from saleslens.scoring.score import LoadedModel, fallback_frame, predict_frame


@dataclass(frozen=True)
class Metrics:
    rows: int
    wins: int
    auc: float
    brier: float


@dataclass(frozen=True)
class CalibrationBin:
    lower: float
    upper: float
    rows: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class BandLift:
    score: int
    rows: int
    wins: int
    win_rate: float
    lift: float  # band win rate / overall win rate


@dataclass(frozen=True)
class EvaluationReport:
    model: str
    version: str
    kind: str
    metrics: Metrics
    baseline: Metrics
    calibration: Tuple[CalibrationBin, ...]
    lift: Tuple[BandLift, ...]


def auc(labels: ArrayLike, probabilities: ArrayLike) -> float:
    """Area under the ROC curve: P(a random win scores above a random loss), ties counting one half.

    Mann-Whitney form with average ranks; NaN when the labels hold a single class.
    """
    y = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    wins, losses = int((y == 1).sum()), int((y == 0).sum())
    if wins == 0 or losses == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(p.size, dtype=float)
    sorted_p = p[order]
    i = 0
    while i < p.size:  # average rank over each run of equal probabilities
        j = i
        while j + 1 < p.size and sorted_p[j + 1] == sorted_p[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y == 1].sum() - wins * (wins + 1) / 2.0) / (wins * losses))


def brier(labels: ArrayLike, probabilities: ArrayLike) -> float:
    """Mean squared difference between probability and outcome (1 won, 0 lost)."""
    y = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    return float(np.mean((p - y) ** 2))


def metrics(labels: ArrayLike, probabilities: ArrayLike) -> Metrics:
    y = np.asarray(labels, dtype=float)
    return Metrics(int(y.size), int(y.sum()), auc(y, probabilities), brier(y, probabilities))


def calibration_curve(labels: ArrayLike, probabilities: ArrayLike, bins: int = 10) -> Tuple[CalibrationBin, ...]:
    """Fixed-width probability bins [k/bins, (k+1)/bins) (the last one closed); empty bins left out."""
    y = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    out: List[CalibrationBin] = []
    for k in range(bins):
        mask = index == k
        if mask.any():
            out.append(CalibrationBin(k / bins, (k + 1) / bins, int(mask.sum()), float(p[mask].mean()), float(y[mask].mean())))
    return tuple(out)


def lift_by_band(labels: ArrayLike, probabilities: ArrayLike, edges: Sequence[float]) -> Tuple[BandLift, ...]:
    """Per score 1-5: rows, wins, win rate and lift over the overall win rate (bands with no row left out)."""
    y = np.asarray(labels, dtype=float)
    scores = np.array([score_of(float(v), edges) for v in np.asarray(probabilities, dtype=float)], dtype=np.int64)
    overall = float(y.mean()) if y.size else float("nan")
    out: List[BandLift] = []
    for s in range(1, 6):
        mask = scores == s
        if mask.any():
            rate = float(y[mask].mean())
            out.append(BandLift(s, int(mask.sum()), int(y[mask].sum()), rate, rate / overall if overall > 0 else float("nan")))
    return tuple(out)


def evaluate(model: LoadedModel, holdout: Any, label_column: str = "label", bins: int = 10) -> EvaluationReport:
    """The report of ``model`` on a labelled feature frame, with its fallback table as the baseline."""
    a = model.artefact
    y = holdout[label_column].to_numpy(dtype=float)
    p = predict_frame(model, holdout)
    base = fallback_frame(a.fallback, holdout)
    return EvaluationReport(a.model, a.version, a.kind, metrics(y, p), metrics(y, base),
                            calibration_curve(y, p, bins), lift_by_band(y, p, a.bands))


def format_report(report: EvaluationReport) -> str:
    """A plain-text table: metrics against the baseline, the calibration curve, lift by score band."""
    m, b = report.metrics, report.baseline
    lines = [
        f"model {report.model}  version {report.version}  ({report.kind})",
        f"holdout: {m.rows} closed opportunities, {m.wins} won ({m.wins / m.rows:.1%})" if m.rows else "holdout: no rows",
        "",
        f"{'':<34}{'AUC':>8}{'Brier':>9}",
        f"{'model':<34}{m.auc:>8.3f}{m.brier:>9.4f}",
        f"{'baseline (account type x source)':<34}{b.auc:>8.3f}{b.brier:>9.4f}",
        "",
        "calibration",
        f"{'probability':<14}{'rows':>7}{'mean predicted':>16}{'observed':>10}",
    ]
    for c in report.calibration:
        lines.append(f"{f'{c.lower:.1f}-{c.upper:.1f}':<14}{c.rows:>7}{c.mean_predicted:>16.3f}{c.observed_rate:>10.3f}")
    lines += ["", "lift by score", f"{'score':<16}{'rows':>7}{'won':>7}{'win rate':>10}{'lift':>7}"]
    for band in report.lift:
        lines.append(f"{f'{band.score} {SCORE_LABELS[band.score]}':<16}{band.rows:>7}{band.wins:>7}{band.win_rate:>10.1%}{band.lift:>7.2f}")
    return "\n".join(lines) + "\n"
