"""The champion/challenger rule: a newly trained model replaces the serving one only if it is better.

Both are scored on the same holdout (the challenger's). The challenger is promoted when there is no
champion, or when its Brier score is lower than the champion's by more than ``min_brier_gain`` AND
its AUC is not worse than the champion's by more than ``auc_tolerance`` (defaults 0 and 0: Brier
strictly lower, AUC at least equal). Brier judges the probabilities the CRM shows; AUC guards the
ranking the score bands rest on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

from saleslens.scoring.evaluate import Metrics, evaluate
from saleslens.scoring.score import LoadedModel


@dataclass(frozen=True)
class ChallengeRule:
    min_brier_gain: float = 0.0
    auc_tolerance: float = 0.0


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str
    champion: Optional[Metrics]
    challenger: Metrics


def decide(champion: Optional[Metrics], challenger: Metrics, rule: ChallengeRule = ChallengeRule()) -> Decision:
    if champion is None:
        return Decision(True, "no champion yet", None, challenger)
    brier_better = challenger.brier < champion.brier - rule.min_brier_gain
    auc_held = not math.isnan(challenger.auc) and (math.isnan(champion.auc) or challenger.auc >= champion.auc - rule.auc_tolerance)
    figures = (f"Brier {challenger.brier:.4f} vs {champion.brier:.4f}, AUC {challenger.auc:.3f} vs {champion.auc:.3f}")
    if brier_better and auc_held:
        return Decision(True, f"challenger better: {figures}", champion, challenger)
    why = "Brier not lower" if not brier_better else "AUC worse"
    return Decision(False, f"champion kept ({why}): {figures}", champion, challenger)


def challenge(champion: Optional[LoadedModel], challenger: LoadedModel, holdout: Any,
              rule: ChallengeRule = ChallengeRule()) -> Decision:
    """Evaluate both on the same labelled holdout frame and apply ``decide``."""
    if champion is not None and champion.artefact.model != challenger.artefact.model:
        raise ValueError(f"cannot compare a {champion.artefact.model} champion with a {challenger.artefact.model} challenger")
    mine = evaluate(challenger, holdout).metrics
    theirs = evaluate(champion, holdout).metrics if champion is not None else None
    return decide(theirs, mine, rule)
