"""Where personal data lives in the lake, and how long each copy is kept.

The retention periods are in the config (``retention``, plus ``lake.reports_expiry_days`` for the
rendered reports); this module turns them into expiry rules, one per bucket and key prefix, that
the lake stack deploys as S3 lifecycle rules (``infra/constructs/lake_bucket.py``). The prefixes of
the datasets with personal data (a contract column declared ``pii``) come from the contracts, so
a new dataset with personal data gets its rules without an edit here. The DynamoDB ledgers expire
through their TTL attributes instead: the run ledger after ``ingest.ledger_ttl_days``, the delivery
ledger after ``retention.delivery_ledger_days`` (the render-report function's record expiry).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from saleslens.config import Config
from saleslens.contracts import DATASETS
from saleslens.contracts.model import Dataset

# Key prefixes of the objects that hold personal data, each beside the code that writes it
# (tests/unit/test_erasure.py holds them equal).
REPORTS_PREFIX = "reports/"  # distribution.summary.report_prefix: the rendered reports
RUNS_PREFIX = "runs/"  # distribution.recipients: runs/<run id>/recipients.json, items.json, outcomes/
REFUSED_PREFIX = "_files/"  # ingest.quarantine: a file refused whole, and its reason
# An expired object's earlier versions are removed this many days after it (the bucket-wide rule
# would keep them lake.noncurrent_version_expiry_days longer: S3 honours the shorter expiry).
PERSONAL_NONCURRENT_DAYS = 1


@dataclass(frozen=True)
class ExpiryRule:
    """Objects of ``zone``'s bucket under ``prefix`` expire ``days`` after they were written."""

    zone: str
    rule_id: str
    prefix: str
    days: int
    noncurrent_days: int = PERSONAL_NONCURRENT_DAYS


def personal_datasets() -> Tuple[Dataset, ...]:
    """The datasets with personal data: a column declared ``pii``."""
    return tuple(d for d in DATASETS.values() if any(c.pii for c in d.columns))


def _slug(dataset: Dataset) -> str:
    return dataset.table.replace("_", "-")


def expiry_rules(cfg: Config) -> List[ExpiryRule]:
    """Every expiry rule of personal data, per bucket (zone) and key prefix."""
    keep = cfg.retention
    rules = [
        ExpiryRule("reports", "expire-reports", REPORTS_PREFIX, cfg.lake.reports_expiry_days),
        ExpiryRule("reports", "expire-run-files", RUNS_PREFIX, keep.delivery_records_days),
        ExpiryRule("quarantine", "expire-refused-files", REFUSED_PREFIX, keep.quarantined_personal_days),
    ]
    for dataset in personal_datasets():
        # Rejected rows are keyed like the clean partitions (ingest.naming.quarantine_key).
        rules.append(ExpiryRule("quarantine", f"expire-rejects-{_slug(dataset)}", dataset.clean_prefix(),
                                keep.quarantined_personal_days))
        rules.append(ExpiryRule("landing", f"expire-raw-{_slug(dataset)}", dataset.landing_prefix(),
                                keep.landing_personal_days))
    return rules


def rules_for(cfg: Config, zone: str) -> List[ExpiryRule]:
    return [r for r in expiry_rules(cfg) if r.zone == zone]
