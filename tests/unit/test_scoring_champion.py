"""The champion/challenger rule: Brier strictly lower and AUC not worse, on the same holdout."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from saleslens.scoring.artefact import FALLBACK, build
from saleslens.scoring.champion import ChallengeRule, challenge, decide
from saleslens.scoring.evaluate import Metrics
from saleslens.scoring.fallback import FallbackTable
from saleslens.scoring.score import load

CHAMPION = Metrics(rows=100, wins=25, auc=0.70, brier=0.160)


@pytest.mark.parametrize("auc,brier,promote,reason", [
    (0.72, 0.150, True, "challenger better"),
    (0.70, 0.159, True, "challenger better"),  # AUC equal is not worse
    (0.69, 0.150, False, "champion kept (AUC worse)"),
    (0.75, 0.160, False, "champion kept (Brier not lower)"),
    (0.75, 0.170, False, "champion kept (Brier not lower)"),
])
def test_decide(auc: float, brier: float, promote: bool, reason: str) -> None:
    d = decide(CHAMPION, Metrics(100, 25, auc, brier))
    assert d.promote is promote and d.reason.startswith(reason)


def test_no_champion_promotes_the_challenger() -> None:
    assert decide(None, Metrics(10, 3, 0.6, 0.2)).promote


def test_tolerances() -> None:
    rule = ChallengeRule(min_brier_gain=0.005, auc_tolerance=0.01)
    assert decide(CHAMPION, Metrics(100, 25, 0.691, 0.154), rule).promote  # 0.154 < 0.155; 0.691 >= 0.690
    assert not decide(CHAMPION, Metrics(100, 25, 0.75, 0.156), rule).promote  # gain 0.004 < 0.005


def _fallback(rates: dict, version_time: datetime):
    return load(build("creation", FALLBACK, ("account_type", "source"), {}, FallbackTable(0.5, 20.0, rates), version_time, {}))


def test_challenge_scores_both_on_the_same_holdout() -> None:
    holdout = pd.DataFrame({"account_type": ["GOVT_HOSPITAL", "GOVT_HOSPITAL", "PRIVATE_HOSPITAL", "PRIVATE_HOSPITAL"],
                            "source": ["TENDER"] * 4, "label": [0, 0, 1, 1]})
    flat = _fallback({}, datetime(2026, 1, 1))  # 0.5 everywhere: Brier 0.25, AUC 0.5 (all tied)
    sharp = _fallback({"GOVT_HOSPITAL|TENDER": 0.2, "PRIVATE_HOSPITAL|TENDER": 0.8}, datetime(2026, 2, 1))
    d = challenge(flat, sharp, holdout)  # sharp: Brier (4 x 0.2^2) / 4 = 0.04, AUC 1.0
    assert d.promote and d.champion is not None
    assert (d.champion.brier, d.champion.auc) == (0.25, 0.5)
    assert d.challenger.brier == pytest.approx(0.04) and d.challenger.auc == 1.0
    assert not challenge(sharp, flat, holdout).promote


def test_models_of_different_cutoffs_are_not_compared() -> None:
    a = _fallback({}, datetime(2026, 1, 1))
    b = load(build("proposal", FALLBACK, ("account_type", "source"), {}, FallbackTable(0.5, 20.0), datetime(2026, 1, 1), {}))
    with pytest.raises(ValueError, match="cannot compare a creation champion with a proposal challenger"):
        challenge(a, b, pd.DataFrame({"account_type": [], "source": [], "label": []}))
