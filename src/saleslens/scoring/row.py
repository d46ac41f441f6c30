"""One opportunity's feature row from what the CRM returns, as known at an instant; no pandas.

The scoring function builds its row here, from the CRM adapter's JSON; the training features
(``features.build_features``, over frames) follow the same as-of rules, and at the model's own
cutoff (the CREATED event, the first PROPOSAL_SENT) both give the same row
(tests/unit/test_scoring_service.py compares them on the synthetic CRM). Rules:

- events: the opportunity's events up to the scored version and at or before the instant; amount
  and competitor are the last non-null values they carry (no competitor: ``NONE``);
- tenure and days to expected close count from the instant's day;
- the owner's and the account's prior wins and losses: their opportunities closed strictly before
  the instant's day (the CRM keeps a close's date, not its time);
- proposal model only: days from creation to the first proposal, and meetings and amount changes
  before it, are fixed at the first proposal; the amount change since creation is the amount at
  the instant against the amount at creation.

Never read: the opportunity's outcome, lost_reason, closed_date, stage, version (beyond choosing
the events) or last_modified_at (``columns.POST_OUTCOME``).
"""
from __future__ import annotations

import math
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from saleslens.scoring.columns import CREATION, CUTOFF_EVENT, NO_COMPETITOR, PROPOSAL, feature_columns


class RowInputError(ValueError):
    """The CRM's data cannot make a row (no CREATED event, a value of the wrong type)."""


def instant(value: Any) -> datetime:
    """A CRM time stamp (ISO-8601; naive ones are UTC) as a naive UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise RowInputError(f"{value!r} is not an ISO-8601 time stamp") from exc
    else:
        raise RowInputError(f"time stamp expected, got {type(value).__name__}")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return instant(value).date() if not (isinstance(value, str) and len(value) == 10) else date.fromisoformat(value)


def events_up_to(events: Sequence[Mapping[str, Any]], version: int) -> List[Mapping[str, Any]]:
    """The events of the opportunity's versions 1..version, in time order (then version)."""
    kept = [e for e in events if int(e["version"]) <= version]
    return sorted(kept, key=lambda e: (instant(e["event_at"]), int(e["version"])))


def model_for(events: Sequence[Mapping[str, Any]]) -> str:
    """``proposal`` once a PROPOSAL_SENT event exists, else ``creation``."""
    return PROPOSAL if any(e["event_type"] == CUTOFF_EVENT[PROPOSAL] for e in events) else CREATION


def feature_row(model: str, at: datetime, opportunity: Mapping[str, Any], events: Sequence[Mapping[str, Any]],
                account: Mapping[str, Any], owner_closed: Sequence[Mapping[str, Any]],
                account_closed: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """The model's features as known at ``at`` (naive UTC), from ``events`` (already cut to the version)."""
    at = instant(at)
    seen = [e for e in events if instant(e["event_at"]) <= at]
    created = _first(seen, CUTOFF_EVENT[CREATION])
    if created is None:
        raise RowInputError(f"opportunity {opportunity.get('opportunity_id')} has no CREATED event at or before {at}")
    today = at.date()
    amount, competitor = _known(seen)
    row: Dict[str, Any] = {
        "account_type": account.get("account_type"),
        "product_line": opportunity.get("product_line"),
        "source": opportunity.get("source"),
        "competitor": competitor if competitor is not None else NO_COMPETITOR,
        "bed_count": _float(account.get("bed_count")),
        "account_tenure_days": float((today - day(account["customer_since"])).days)
        if account.get("customer_since") else math.nan,
        "amount": amount if amount is not None else math.nan,
        "days_to_expected_close": float((day(opportunity["expected_close_date"]) - today).days)
        if opportunity.get("expected_close_date") else math.nan,
    }
    for prefix, closed in (("owner", owner_closed), ("account", account_closed)):
        won, lost = _prior(closed, today)
        row[f"{prefix}_prior_won"] = float(won)
        row[f"{prefix}_prior_lost"] = float(lost)
        row[f"{prefix}_prior_win_rate"] = won / (won + lost) if won + lost else math.nan
    if model == PROPOSAL:
        proposal = _first(seen, CUTOFF_EVENT[PROPOSAL])
        if proposal is None:
            raise RowInputError(f"opportunity {opportunity.get('opportunity_id')} has no PROPOSAL_SENT event at or before {at}")
        created_at, proposal_at = instant(created["event_at"]), instant(proposal["event_at"])
        before = [e for e in seen if instant(e["event_at"]) <= proposal_at]
        amount_at_creation, _ = _known([e for e in seen if instant(e["event_at"]) <= created_at])
        row["days_created_to_proposal"] = (proposal_at - created_at).total_seconds() / 86400.0
        row["meetings_before_proposal"] = float(sum(e["event_type"] == "MEETING" for e in before))
        row["amount_changes_before_proposal"] = float(sum(e["event_type"] == "AMOUNT_CHANGE" for e in before))
        row["amount_change_since_creation_pct"] = (100.0 * (amount / amount_at_creation - 1.0)
                                                   if amount is not None and amount_at_creation else math.nan)
    return {name: row[name] for name in feature_columns(model)}


def _first(events: Sequence[Mapping[str, Any]], event_type: str) -> Optional[Mapping[str, Any]]:
    return next((e for e in events if e["event_type"] == event_type), None)


def _known(events: Sequence[Mapping[str, Any]]) -> Tuple[Optional[float], Optional[str]]:
    """The last non-null amount and competitor the events carry."""
    amount: Optional[float] = None
    competitor: Optional[str] = None
    for e in events:
        a = e.get("amount")
        if a is not None and not (isinstance(a, float) and math.isnan(a)):
            amount = float(a)
        c = e.get("competitor")
        if c is not None and not (isinstance(c, float) and math.isnan(c)) and c != "":
            competitor = str(c)
    return amount, competitor


def _prior(closed: Sequence[Mapping[str, Any]], today: date) -> Tuple[int, int]:
    won = lost = 0
    for o in closed:
        if not o.get("closed_date") or day(o["closed_date"]) >= today:
            continue
        won += o.get("outcome") == "WON"
        lost += o.get("outcome") == "LOST"
    return won, lost


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)
