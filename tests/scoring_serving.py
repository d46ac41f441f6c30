"""Helpers of the scoring-on-events tests: the SYNTHETIC CRM (tests/scoring_synthetic.py) as the CRM
shows it at one event of an opportunity, and champions trained on it by the library."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict, Tuple

import pandas as pd

from saleslens.scoring.artefact import ModelArtefact
from saleslens.scoring.columns import CREATION, PROPOSAL
from saleslens.scoring.events import CREATED, PROPOSAL_SENT, CrmEvent
from saleslens.scoring.features import build_features
from saleslens.scoring.history import MinHistory
from saleslens.scoring.train import TrainConfig, default_plan, train_model
from tests.scoring_synthetic import SyntheticCrm, as_of

NEVER = MinHistory(10**6, 10**6, 24)  # a history no company has: training writes the fallback artefact


def cut_at(crm: SyntheticCrm, opportunity_id: str, event_type: str) -> Tuple[SyntheticCrm, CrmEvent]:
    """The CRM as it stood just after the opportunity's first ``event_type`` event (CREATED or
    PROPOSAL_SENT), and the CRM event announcing it: later events dropped, the snapshot open at
    that version."""
    ev = crm.events
    own = ev.loc[ev["opportunity_id"] == opportunity_id].sort_values(["event_at", "version"])
    at = own.loc[own["event_type"] == event_type].iloc[0]
    keep = (ev["opportunity_id"] != opportunity_id) | (ev["version"] <= at["version"])
    opp = crm.opportunities.copy()
    mask = opp["opportunity_id"] == opportunity_id
    opp.loc[mask, ["outcome", "stage"]] = ["OPEN", "PROPOSAL" if event_type == "PROPOSAL_SENT" else "PROSPECT"]
    opp.loc[mask, "closed_date"] = None
    opp.loc[mask, "lost_reason"] = None
    opp.loc[mask, "version"] = int(at["version"])
    kind = PROPOSAL_SENT if event_type == "PROPOSAL_SENT" else CREATED
    when = pd.Timestamp(at["event_at"]).to_pydatetime().replace(tzinfo=timezone.utc)
    return (SyntheticCrm(crm.accounts, opp, ev.loc[keep].reset_index(drop=True)),
            CrmEvent(opportunity_id, int(at["version"]), kind, when))


def merge_cuts(base: SyntheticCrm, *cuts: Tuple[str, SyntheticCrm]) -> SyntheticCrm:
    """One CRM holding each cut opportunity as its cut shows it (the others as ``base`` has them)."""
    ids = [i for i, _ in cuts]
    opp = base.opportunities.loc[~base.opportunities["opportunity_id"].isin(ids)]
    ev = base.events.loc[~base.events["opportunity_id"].isin(ids)]
    opp = pd.concat([opp] + [c.opportunities.loc[c.opportunities["opportunity_id"] == i] for i, c in cuts], ignore_index=True)
    ev = pd.concat([ev] + [c.events.loc[c.events["opportunity_id"] == i] for i, c in cuts], ignore_index=True)
    return SyntheticCrm(base.accounts, opp, ev)


def champions(crm: SyntheticCrm) -> Dict[str, ModelArtefact]:
    """creation: the fallback artefact (its history set out of reach); proposal: a LightGBM model."""
    day = as_of(crm).date()
    plan = default_plan(day)
    trained_at = datetime(2026, 1, 1)
    out = {}
    for model, history in ((CREATION, NEVER), (PROPOSAL, MinHistory(50, 50, 24))):
        features = build_features(model, crm.accounts, crm.opportunities, crm.events)
        result = train_model(model, features, crm.opportunities, plan, TrainConfig(min_history=history,
                             num_boost_round=60), trained_at=trained_at)
        out[model] = result.model.artefact
    return out
