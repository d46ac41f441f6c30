"""The two models, their features and the fields no feature may read. No pandas: scoring reads these too."""
from __future__ import annotations

from typing import Tuple

CREATION = "creation"
PROPOSAL = "proposal"
MODELS: Tuple[str, ...] = (CREATION, PROPOSAL)
CUTOFF_EVENT = {CREATION: "CREATED", PROPOSAL: "PROPOSAL_SENT"}

NO_COMPETITOR = "NONE"
CATEGORICAL: Tuple[str, ...] = ("account_type", "product_line", "source", "competitor")
CREATION_NUMERIC: Tuple[str, ...] = (
    "bed_count", "account_tenure_days", "amount", "days_to_expected_close",
    "owner_prior_won", "owner_prior_lost", "owner_prior_win_rate",
    "account_prior_won", "account_prior_lost", "account_prior_win_rate",
)
PROPOSAL_NUMERIC: Tuple[str, ...] = CREATION_NUMERIC + (
    "days_created_to_proposal", "meetings_before_proposal", "amount_changes_before_proposal",
    "amount_change_since_creation_pct",
)
# Snapshot fields only filled, or only final, after the outcome: no feature may derive from them.
POST_OUTCOME: Tuple[str, ...] = ("outcome", "lost_reason", "closed_date", "stage", "version", "last_modified_at")
# Row keys beside the features: which opportunity, and the instant its features are as of.
KEYS: Tuple[str, ...] = ("opportunity_id", "cutoff_at")


def feature_columns(model: str) -> Tuple[str, ...]:
    """The model's features, in the order the model reads them."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {MODELS}")
    return CATEGORICAL + (CREATION_NUMERIC if model == CREATION else PROPOSAL_NUMERIC)
